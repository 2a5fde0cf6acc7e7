/**
 * LOCAL ONLY. Whether the emulator fires Scheduler schedules by itself (MiniStack's own sweep does, LocalStack does
 * not). With both that and the local scheduler running, every occurrence would be delivered twice.
 */
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
} from '@aws-sdk/client-scheduler';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { localCloudClients } from './aws';

export interface SweepProbeOptions {
  readonly endpoint: string;
  readonly region: string;
  /** How long to wait for the emulator to fire. MiniStack sweeps every 10 s. @default 15_000 */
  readonly timeoutMs?: number;
}

/**
 * Creates a throw-away group with a one-time schedule already due and its queue, and reports whether a message
 * arrives within the timeout; then removes them. It takes the whole timeout when the emulator does not fire.
 */
export async function emulatorFiresSchedules(options: SweepProbeOptions): Promise<boolean> {
  const { scheduler, sqs } = localCloudClients(options.endpoint, options.region);
  const name = `sked-sweep-probe-${randomUUID().slice(0, 8)}`;
  const { QueueUrl: queueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (queueUrl === undefined) throw new Error('CreateQueue returned no URL');
  try {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const queueArn = Attributes?.QueueArn ?? '';
    const account = queueArn.split(':')[4] ?? '000000000000';
    await scheduler.send(new CreateScheduleGroupCommand({ Name: name }));
    const due = new Date(Date.now() - 60_000).toISOString().slice(0, 19);
    await scheduler.send(
      new CreateScheduleCommand({
        Name: name,
        GroupName: name,
        ScheduleExpression: `at(${due})`,
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: queueArn, RoleArn: `arn:aws:iam::${account}:role/${name}`, Input: 'probe' },
      }),
    );
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    while (Date.now() < deadline) {
      // Short waits: the clients time a request out after 10 s.
      const waitSeconds = Math.max(1, Math.min(5, Math.ceil((deadline - Date.now()) / 1000)));
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: waitSeconds, MaxNumberOfMessages: 1 }),
      );
      if ((Messages ?? []).length > 0) return true;
    }
    return false;
  } finally {
    await scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: name })).catch(() => undefined);
    await scheduler.send(new DeleteScheduleGroupCommand({ Name: name })).catch(() => undefined);
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  }
}
