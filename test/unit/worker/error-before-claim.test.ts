import { describe, expect, it } from 'vitest';
import { processBatch } from '../../../lib/use-cases/run-occurrence';
import { aJob, aMessage, scheduled } from '../../support/worker/builders';
import { fakeWorld } from '../../support/worker/fake-world';
import { AT, invocation, NOW } from '../../support/worker/occurrence';

describe('an error before the claim', () => {
  it('brings the message back after a short backoff instead of the whole visibility timeout', async () => {
    // Prepare: the jobs table fails to answer
    const world = fakeWorld({ now: NOW });
    world.jobs.seed(aJob());
    world.deps.jobs.get = () => Promise.reject(new Error('ProvisionedThroughputExceededException'));
    const first = aMessage(scheduled('job-1', AT), { messageId: 'm-1', receiveCount: 1 });
    const third = aMessage(scheduled('job-1', AT), { messageId: 'm-3', receiveCount: 3 });

    // Act
    const failed = await processBatch(world.deps, [first, third], invocation);

    // Assess: both go back to SQS, soon, backing off per delivery; nothing was recorded
    expect(failed).toEqual(['m-1', 'm-3']);
    expect(world.messages.retries).toEqual([
      { messageId: 'm-1', delaySeconds: 30 },
      { messageId: 'm-3', delaySeconds: 120 },
    ]);
    expect(await world.ledger.get('job-1', '20300101T090000Z')).toBeUndefined();
  });

  it('backs off to at most the configured ceiling, and still reports the record failed when that call fails', async () => {
    // Prepare: the ledger fails on the claim, and so does the early return
    const world = fakeWorld({ now: NOW });
    world.jobs.seed(aJob());
    world.ledger.claim = () => Promise.reject(new Error('InternalServerError'));
    world.deps.messages.retryLater = () => Promise.reject(new Error('SQS is down'));
    const late = aMessage(scheduled('job-1', AT), { messageId: 'm-12', receiveCount: 12 });

    // Act
    const failed = await processBatch(world.deps, [late], invocation);

    // Assess
    expect(failed).toEqual(['m-12']);
    expect(world.log.lines.find((line) => line.message === 'could not bring the message back early')).toMatchObject({
      delaySeconds: 900,
    });
  });
});
