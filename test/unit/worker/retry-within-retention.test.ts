import { describe, expect, it } from 'vitest';
import { decideAfterFailure } from '../../../lib/domain/worker-policies';
import { processMessage } from '../../../lib/use-cases/run-occurrence';
import { JOBS_QUEUE_RETENTION_SECONDS } from '../../../lib/schemas/job';
import { aJob, aMessage, scheduled } from '../../support/worker/builders';
import { fakeWorld } from '../../support/worker/fake-world';
import { echoTask } from '../../support/worker/tasks';

const NOW = '2030-01-05T08:00:05.000Z';
const AT = '2030-01-05T08:00:00Z';
const invocation = { remainingMs: () => 60_000 };
const hourly = { maxAttempts: 5, initialSeconds: 3600, multiplier: 1, maxSeconds: 3600 };

describe('retries near the end of the jobs queue retention', () => {
  it('plans a retry only while the message will still be in the queue when the delay ends', () => {
    // Act
    const young = decideAfterFailure(hourly, 1, 'task_exception', {
      ageSeconds: 60,
      retentionSeconds: JOBS_QUEUE_RETENTION_SECONDS,
    });
    const old = decideAfterFailure(hourly, 1, 'task_exception', {
      ageSeconds: JOBS_QUEUE_RETENTION_SECONDS - 3600,
      retentionSeconds: JOBS_QUEUE_RETENTION_SECONDS,
    });

    // Assess
    expect(young).toEqual({ kind: 'retry', delaySeconds: 3600, nextAttempt: 2 });
    expect(old).toEqual({ kind: 'give-up', why: 'expiring' });
  });

  it('fails the run for good, with its DLQ copy, instead of letting the message expire with the run running', async () => {
    // Prepare: the message has waited in the queue for all but 90 minutes of its retention (slot waits, redeliveries);
    // the next attempt would come an hour later, too close to its expiry
    const task = echoTask('always fails', () => Promise.reject(new Error('downstream is down')));
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ retry: hourly, misfireGraceSeconds: 600 }));
    const sentAt = new Date(new Date(NOW).getTime() - (JOBS_QUEUE_RETENTION_SECONDS - 90 * 60) * 1000);

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT), { sentAt }), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(await world.ledger.get('job-1', '20300105T080000Z')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(world.messages.retries).toEqual([]);
    expect(world.messages.deadLetters.map(({ note }) => [note.reason, note.detail])).toEqual([
      ['exhausted', 'failed after 1 attempts: the next would come after the message expires from the jobs queue'],
    ]);
    expect(world.events.types()).toEqual(['RunFailed', 'RunDeadLettered']);
  });
});
