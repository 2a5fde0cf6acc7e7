import {
  CreateQueueCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { SqsDeadLetterQueues } from '../../lib/adapters/aws/sqs-dead-letters';
import type {
  DeadLetterAttribute,
  DeadLetterQueue,
  DeadLetterQueues,
  HeldDeadLetter,
} from '../../lib/ports/dead-letters';
import { guardedClient } from '../support/aws-clients';
import { InMemoryDeadLetterQueues } from '../support/fakes/dead-letters';
import { uniqueName } from '../support/names';
import { freshForEachTest, inProcess, type Implementation } from './implementations';

/** A port under contract with what a test needs around it: messages put in a DLQ, and what reached the jobs queue. */
interface DeadLetterWorld {
  readonly queues: DeadLetterQueues;
  put(queue: DeadLetterQueue, body: string, attributes?: Record<string, DeadLetterAttribute>): Promise<string>;
  /** The messages sent to the jobs queue so far, each once. */
  jobsQueue(): Promise<{ body: string; attributes: Record<string, DeadLetterAttribute> }[]>;
}

function inMemoryWorld(): DeadLetterWorld {
  const queues = new InMemoryDeadLetterQueues();
  return {
    queues,
    put: (queue, body, attributes) => Promise.resolve(queues.put(queue, body, attributes)),
    jobsQueue: () =>
      Promise.resolve(queues.sent.map(({ body, attributes }) => ({ body, attributes: { ...attributes } }))),
  };
}

async function sqsWorld() {
  const client = guardedClient(SQSClient);
  const create = async (name: string) => {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: uniqueName(name) }));
    if (QueueUrl === undefined) throw new Error(`no url for ${name}`);
    return QueueUrl;
  };
  const urls = {
    jobs: await create('sked-contract-jobs-dlq'),
    delivery: await create('sked-contract-delivery-dlq'),
    jobsQueue: await create('sked-contract-jobs'),
  };
  const received: { body: string; attributes: Record<string, DeadLetterAttribute> }[] = [];
  const world: DeadLetterWorld = {
    queues: new SqsDeadLetterQueues(client, urls),
    put: async (queue, body, attributes = {}) => {
      const MessageAttributes: Record<string, MessageAttributeValue> = {};
      for (const [name, value] of Object.entries(attributes)) {
        MessageAttributes[name] = { DataType: value.dataType, StringValue: value.stringValue };
      }
      const { MessageId } = await client.send(
        new SendMessageCommand({
          QueueUrl: urls[queue],
          MessageBody: body,
          ...(Object.keys(MessageAttributes).length > 0 && { MessageAttributes }),
        }),
      );
      return MessageId ?? '';
    },
    jobsQueue: async () => {
      for (;;) {
        const { Messages = [] } = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: urls.jobsQueue,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            VisibilityTimeout: 60,
            MessageAttributeNames: ['All'],
          }),
        );
        if (Messages.length === 0) return received;
        for (const message of Messages) {
          const attributes: Record<string, DeadLetterAttribute> = {};
          for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
            attributes[name] = {
              dataType: value.DataType ?? '',
              ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
            };
          }
          received.push({ body: message.Body ?? '', attributes });
        }
      }
    },
  };
  return {
    subject: world,
    dispose: async () => {
      for (const QueueUrl of Object.values(urls)) {
        await client.send(new DeleteQueueCommand({ QueueUrl })).catch(() => undefined);
      }
      client.destroy();
    },
  };
}

const implementations: Implementation<DeadLetterWorld>[] = [
  inProcess('InMemoryDeadLetterQueues', inMemoryWorld),
  { name: 'SqsDeadLetterQueues', create: sqsWorld },
];

const HIDE = { max: 10, hideSeconds: 30, waitSeconds: 1 };
const ATTRIBUTES: Record<string, DeadLetterAttribute> = {
  'sked-reason': { dataType: 'String', stringValue: 'exhausted' },
  'sked-redrives': { dataType: 'Number', stringValue: '2' },
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(implementations)('dead-letter queues contract: $name', (implementation) => {
  let world: DeadLetterWorld;
  freshForEachTest(implementation, (subject) => {
    world = subject;
  });

  /** Receives until `count` messages are held (a receive may return fewer than are visible). */
  async function receiveAll(queue: DeadLetterQueue, count: number, hideSeconds = 30): Promise<HeldDeadLetter[]> {
    const held: HeldDeadLetter[] = [];
    for (let tries = 0; held.length < count && tries < 10; tries++) {
      held.push(...(await world.queues.receive(queue, { ...HIDE, hideSeconds })));
    }
    return held;
  }

  it('receives a message with its id, body, typed attributes, sent time and receive count', async () => {
    // Prepare
    const before = Date.now();
    const messageId = await world.put('jobs', '{"v":1}', ATTRIBUTES);

    // Act
    const [letter] = await receiveAll('jobs', 1);

    // Assess
    expect(letter).toMatchObject({
      queue: 'jobs',
      messageId,
      body: '{"v":1}',
      attributes: ATTRIBUTES,
      receiveCount: 1,
    });
    expect(letter?.receiptHandle).toEqual(expect.any(String));
    expect(letter?.sentAt.getTime()).toBeGreaterThanOrEqual(before - 5_000);
    expect(letter?.sentAt.getTime()).toBeLessThanOrEqual(Date.now() + 5_000);
  });

  it('hides what it received from the next receive, and counts it in flight', async () => {
    // Prepare
    await world.put('jobs', 'a');
    await receiveAll('jobs', 1);

    // Act
    const again = await world.queues.receive('jobs', HIDE);
    const depth = await world.queues.depth('jobs');

    // Assess
    expect(again).toEqual([]);
    expect(depth).toEqual({ visible: 0, inFlight: 1 });
  });

  it('makes released messages visible again at once', async () => {
    // Prepare
    const ids = [await world.put('jobs', 'a'), await world.put('jobs', 'b')];
    const held = await receiveAll('jobs', 2);

    // Act
    await world.queues.release(held);
    const again = await receiveAll('jobs', 2);

    // Assess
    expect(again.map((letter) => letter.messageId).sort()).toEqual([...ids].sort());
    expect(again.map((letter) => letter.receiveCount)).toEqual([2, 2]);
  });

  it('lets a hide end by itself, so a receiver that stops loses nothing', async () => {
    // Prepare
    const messageId = await world.put('jobs', 'a');
    await receiveAll('jobs', 1, 1);

    // Act
    await sleep(2_000);
    const again = await receiveAll('jobs', 1);

    // Assess
    expect(again.map((letter) => letter.messageId)).toEqual([messageId]);
  });

  it('removes the messages it holds, and reports one whose receipt it does not know, removing the rest', async () => {
    // Prepare
    await world.put('delivery', 'a');
    await world.put('delivery', 'b');
    const held = await receiveAll('delivery', 2);
    const bogus: HeldDeadLetter = { ...(held[0] as HeldDeadLetter), messageId: 'bogus', receiptHandle: 'bogus' };

    // Act
    const failures = await world.queues.remove([...held, bogus]);

    // Assess
    expect(failures.map((failure) => failure.messageId)).toEqual(['bogus']);
    expect(failures[0]?.reason).toMatch(/ReceiptHandleIsInvalid/);
    expect(await world.queues.depth('delivery')).toEqual({ visible: 0, inFlight: 0 });
    expect(await world.queues.receive('delivery', HIDE)).toEqual([]);
  });

  it('releases and removes more than one batch of 10 at a time', async () => {
    // Prepare
    for (let index = 0; index < 12; index++) await world.put('jobs', `m${index}`);
    const held = await receiveAll('jobs', 12);

    // Act
    await world.queues.release(held);
    const again = await receiveAll('jobs', 12);
    const failures = await world.queues.remove(again);

    // Assess
    expect(held).toHaveLength(12);
    expect(again).toHaveLength(12);
    expect(failures).toEqual([]);
    expect(await world.queues.depth('jobs')).toEqual({ visible: 0, inFlight: 0 });
  });

  it('sends a message to the jobs queue with the same body and attributes, keeping it in the DLQ', async () => {
    // Prepare
    await world.put('jobs', '{"v":1,"jobId":"a"}', ATTRIBUTES);
    await world.put('delivery', '{"v":1,"jobId":"b"}');
    const [fromJobs] = await receiveAll('jobs', 1);
    const [fromDelivery] = await receiveAll('delivery', 1);

    // Act
    await world.queues.sendToJobsQueue(fromJobs as HeldDeadLetter);
    await world.queues.sendToJobsQueue(fromDelivery as HeldDeadLetter);

    // Assess
    const sent = await world.jobsQueue();
    expect(sent).toEqual(
      expect.arrayContaining([
        { body: '{"v":1,"jobId":"a"}', attributes: ATTRIBUTES },
        { body: '{"v":1,"jobId":"b"}', attributes: {} },
      ]),
    );
    expect(sent).toHaveLength(2);
    expect(await world.queues.depth('jobs')).toEqual({ visible: 0, inFlight: 1 });
  });

  it('keeps the two DLQs apart', async () => {
    // Prepare
    const inJobs = await world.put('jobs', 'j');
    const inDelivery = await world.put('delivery', 'd');

    // Act
    const fromJobs = await receiveAll('jobs', 1);
    const fromDelivery = await receiveAll('delivery', 1);

    // Assess
    expect(fromJobs.map((letter) => [letter.queue, letter.messageId])).toEqual([['jobs', inJobs]]);
    expect(fromDelivery.map((letter) => [letter.queue, letter.messageId])).toEqual([['delivery', inDelivery]]);
  });

  it('receives at most the number asked for', async () => {
    // Prepare
    for (let index = 0; index < 3; index++) await world.put('jobs', `m${index}`);

    // Act
    const held = await world.queues.receive('jobs', { ...HIDE, max: 2 });

    // Assess
    expect(held.length).toBeLessThanOrEqual(2);
    expect(held.length).toBeGreaterThan(0);
  });
});
