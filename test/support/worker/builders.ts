import type { InboundMessage } from '../../../lib/ports/worker-message-actions';
import type { QueueEnvelope, RunEnvelope } from '../../../lib/schemas/envelope';
import { DEFAULT_JOB_POLICIES, type Job } from '../../../lib/schemas/job';

/** A stored job with every default applied; override what a test is about. */
export function aJob(overrides: Partial<Job> = {}): Job {
  return {
    id: 'job-1',
    name: 'job-1',
    group: 'default',
    trigger: { type: 'interval', minutes: 5 },
    jitterMinutes: 0,
    target: { type: 'task', task: 'echo', payload: {} },
    ...DEFAULT_JOB_POLICIES,
    tags: [],
    state: 'enabled',
    version: 1,
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** A retry policy of a single attempt: a failure is final. */
export const ONE_ATTEMPT = { maxAttempts: 1, initialSeconds: 1, multiplier: 1, maxSeconds: 1 };

let sequence = 0;

export function aMessage(envelope: QueueEnvelope | string, overrides: Partial<InboundMessage> = {}): InboundMessage {
  sequence += 1;
  return {
    messageId: `message-${sequence}`,
    receiptHandle: `receipt-${sequence}`,
    body: typeof envelope === 'string' ? envelope : JSON.stringify(envelope),
    sentAt: new Date('2030-01-01T00:00:00.000Z'),
    firstReceivedAt: new Date('2030-01-01T00:00:00.000Z'),
    receiveCount: 1,
    attributes: {},
    ...overrides,
  };
}

export function scheduled(jobId: string, scheduledTime: string): RunEnvelope {
  return { v: 1, jobId, kind: 'schedule', scheduledTime };
}
