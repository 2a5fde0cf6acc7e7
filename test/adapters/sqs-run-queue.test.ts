import { CreateQueueCommand, DeleteQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsRunQueue } from '../../lib/adapters/aws/sqs-run-queue';
import type { DelayedOccurrence } from '../../lib/ports/queue';
import { guardedClient } from '../support/aws-clients';
import { uniqueName } from '../support/names';

const occurrence = (second: number, delaySeconds: number): DelayedOccurrence => ({
  envelope: {
    v: 1,
    jobId: 'job-1',
    kind: 'schedule',
    scheduledTime: `2030-01-01T09:00:${String(second).padStart(2, '0')}.000Z`,
    tick: '2030-01-01T09:00:00.000Z',
  },
  delaySeconds,
});

describe('SqsRunQueue', () => {
  const sqs = guardedClient(SQSClient);
  let queueUrl = '';
  let queue: SqsRunQueue;

  beforeAll(async () => {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('sked-adapter-jobs') }));
    queueUrl = created.QueueUrl ?? '';
    queue = new SqsRunQueue(sqs, queueUrl);
  });

  afterAll(async () => {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  });

  const receiveAll = async (): Promise<string[]> => {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    return Messages.map((message) => message.Body ?? '');
  };

  it('sends a batch of occurrences, each hidden for its own DelaySeconds', async () => {
    // Prepare
    const batch = [occurrence(0, 0), occurrence(1, 0), occurrence(5, 4)];

    // Act
    await queue.sendDelayed(batch);
    const atOnce = await receiveAll();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const later = await receiveAll();

    // Assess
    expect(atOnce.map((body) => JSON.parse(body) as unknown)).toEqual([batch[0]?.envelope, batch[1]?.envelope]);
    expect(later.map((body) => JSON.parse(body) as unknown)).toEqual([batch[2]?.envelope]);
  });

  it('refuses more occurrences than one SendMessageBatch takes, before sending any', async () => {
    // Prepare
    const eleven = Array.from({ length: 11 }, (_, second) => occurrence(second, 0));

    // Act
    const attempt = queue.sendDelayed(eleven);

    // Assess
    await expect(attempt).rejects.toThrow(RangeError);
    await expect(receiveAll()).resolves.toEqual([]);
  });

  it('throws for a DelaySeconds past the 900 s SQS allows, naming the field', async () => {
    // Prepare: DelaySeconds past 900 is refused by SQS (and by the limits guard before it)
    const refused = [occurrence(0, 901)];

    // Act
    const attempt = queue.sendDelayed(refused);

    // Assess
    await expect(attempt).rejects.toThrow(/DelaySeconds/);
    await expect(receiveAll()).resolves.toEqual([]);
  });
});
