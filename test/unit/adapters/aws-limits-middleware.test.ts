import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { taskRegistry } from '../../../functions/tasks';
import {
  AWS_LIMITS_MIDDLEWARE_NAME,
  AwsLimitError,
  attachAwsLimits,
  withAwsLimits,
} from '../../../lib/adapters/aws/limits';
import { awsClients } from '../../../lib/composition/aws-jobs-deps';
import { awsWorkerDeps } from '../../../lib/composition/worker';
import { ENV, parseConfig, workerConfigSchema } from '../../../lib/schemas/config';
import { workerEnv } from '../../support/worker/env';

/** An SQS client that never reaches a network: each request that gets past the guard is counted and answered. */
function offlineSqs() {
  const client = new SQSClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 's' },
    // The canned answers carry no checksums.
    md5: false,
  });
  const sent: unknown[] = [];
  client.middlewareStack.add(
    () => (args) => {
      sent.push(args.input);
      return Promise.resolve({ output: { $metadata: {} }, response: {} });
    },
    { step: 'build', name: 'answerOffline' },
  );
  return { client, sent };
}

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/q';
const attributes = (count: number) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'x' }]));

describe('the AWS limits guard as an SDK middleware', () => {
  it('refuses, before sending, a call AWS would refuse', async () => {
    // Prepare
    const { client, sent } = offlineSqs();
    withAwsLimits(client);

    // Act
    const call = client.send(
      new SendMessageCommand({ QueueUrl: QUEUE_URL, MessageBody: 'b', MessageAttributes: attributes(12) }),
    );

    // Assess
    await expect(call).rejects.toThrow(AwsLimitError);
    await expect(call).rejects.toMatchObject({ service: 'SQS', operation: 'SendMessage', limit: 'at most 10' });
    expect(sent).toEqual([]);
  });

  it('sends a call AWS accepts', async () => {
    // Prepare
    const { client, sent } = offlineSqs();
    attachAwsLimits(client);

    // Act
    await client.send(
      new SendMessageCommand({ QueueUrl: QUEUE_URL, MessageBody: 'b', MessageAttributes: attributes(10) }),
    );

    // Assess
    expect(sent).toHaveLength(1);
  });

  it('is attached once however often it is attached', () => {
    // Prepare
    const { client } = offlineSqs();

    // Act
    attachAwsLimits(client);
    attachAwsLimits(client);

    // Assess
    expect(client.middlewareStack.identify().filter((entry) => entry.startsWith('skedAwsLimitsGuard'))).toHaveLength(1);
  });

  it('leaves a client without the guard alone', async () => {
    // Prepare
    const { client, sent } = offlineSqs();

    // Act
    await client.send(
      new SendMessageCommand({ QueueUrl: QUEUE_URL, MessageBody: 'b', MessageAttributes: attributes(12) }),
    );

    // Assess
    expect(sent).toHaveLength(1);
  });
});

describe('the AWS limits guard in the composition roots', () => {
  const guarded = (client: { middlewareStack: { identify(): string[] } }) =>
    client.middlewareStack.identify().some((entry) => entry.startsWith(AWS_LIMITS_MIDDLEWARE_NAME));

  it('is off unless SKED_AWS_LIMITS_GUARD is on', () => {
    expect(parseConfig(workerConfigSchema, workerEnv())[ENV.awsLimitsGuard]).toBe(false);
    expect(parseConfig(workerConfigSchema, workerEnv({ [ENV.awsLimitsGuard]: 'on' }))[ENV.awsLimitsGuard]).toBe(true);
    expect(() => parseConfig(workerConfigSchema, workerEnv({ [ENV.awsLimitsGuard]: 'yes' }))).toThrow(
      /SKED_AWS_LIMITS_GUARD/,
    );
  });

  it("guards the API's clients only when asked to", () => {
    expect(Object.values(awsClients({ awsLimitsGuard: true })).every(guarded)).toBe(true);
    expect(Object.values(awsClients()).some(guarded)).toBe(false);
  });

  it("guards the worker's clients, given ones included, only when the flag is on", () => {
    // Prepare
    const given = new SQSClient({ region: 'us-east-1' });
    const plain = new SQSClient({ region: 'us-east-1' });

    // Act
    awsWorkerDeps(parseConfig(workerConfigSchema, workerEnv({ [ENV.awsLimitsGuard]: 'on' })), taskRegistry, {
      sqs: given,
    });
    awsWorkerDeps(parseConfig(workerConfigSchema, workerEnv()), taskRegistry, { sqs: plain });

    // Assess
    expect([guarded(given), guarded(plain)]).toEqual([true, false]);
  });
});
