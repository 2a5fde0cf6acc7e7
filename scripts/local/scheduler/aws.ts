/**
 * LOCAL ONLY. The Scheduler, SQS and CloudWatch calls of the local scheduler, through SDK clients guarded by the AWS limits
 * middleware (a call AWS would refuse fails here too), against a LocalStack-compatible endpoint.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListScheduleGroupsCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { withAwsLimits } from '../../../lib/adapters/aws/limits';
import type {
  MetricDatapoint,
  MetricPublisher,
  OutboundMessage,
  QueueSender,
  SchedulerLog,
  ScheduleSource,
  ScheduleSummary,
} from './ports';
import { localScheduleOf, type LocalSchedule } from './schedule';

export interface LocalCloudClients {
  readonly scheduler: SchedulerClient;
  readonly sqs: SQSClient;
  readonly cloudwatch: CloudWatchClient;
}

/**
 * Clients for the endpoint. The emulator takes any credentials; the fixed local pair is used unless the
 * environment sets some. SQS sends are made once (no SDK retries): the schedule's RetryPolicy does the retrying.
 */
export function localCloudClients(endpoint: string, region: string): LocalCloudClients {
  const credentials =
    process.env.AWS_ACCESS_KEY_ID === undefined
      ? { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }
      : {};
  const requestHandler = { requestTimeout: 10_000, connectionTimeout: 3_000 };
  return {
    scheduler: withAwsLimits(new SchedulerClient({ endpoint, region, requestHandler, ...credentials })),
    sqs: withAwsLimits(new SQSClient({ endpoint, region, requestHandler, maxAttempts: 1, ...credentials })),
    cloudwatch: withAwsLimits(new CloudWatchClient({ endpoint, region, requestHandler, ...credentials })),
  };
}

/**
 * PutMetricData with each datapoint as a statistic set of `count` ones, unit Count: Sum and SampleCount are the
 * number of events, Minimum and Maximum 1, as if each event had been published on its own.
 */
export class SdkMetricPublisher implements MetricPublisher {
  constructor(private readonly client: CloudWatchClient) {}

  async put(namespace: string, datapoints: readonly MetricDatapoint[]): Promise<void> {
    await this.client.send(
      new PutMetricDataCommand({
        Namespace: namespace,
        MetricData: datapoints.map((datapoint) => {
          const dimensions = Object.entries(datapoint.dimensions).map(([Name, Value]) => ({ Name, Value }));
          return {
            MetricName: datapoint.metricName,
            ...(dimensions.length > 0 && { Dimensions: dimensions }),
            Timestamp: datapoint.timestamp,
            Unit: 'Count',
            StatisticValues: { SampleCount: datapoint.count, Sum: datapoint.count, Minimum: 1, Maximum: 1 },
          };
        }),
      }),
    );
  }
}

/** The largest MaxResults ListSchedules and ListScheduleGroups take. */
const PAGE_SIZE = 100;

export interface ScheduleSourceOptions {
  /** Applies only when following every group: a group named explicitly is always followed. */
  readonly skipGroupPrefixes?: readonly string[];
  /** Stands in for dates an emulator leaves out. @default Date.now */
  readonly now?: () => number;
  /** Where a listing that may be cut short is told. @default quiet */
  readonly log?: SchedulerLog;
}

/**
 * The schedules of the given groups (every group when none is given), listed group by group: ListScheduleGroups,
 * then ListSchedules with each GroupName, every page of both.
 */
export class SdkScheduleSource implements ScheduleSource {
  private readonly skipGroupPrefixes: readonly string[];
  private readonly now: () => number;
  private readonly log: SchedulerLog;
  private warnedUnpaged = false;

  constructor(
    private readonly client: SchedulerClient,
    private readonly groups: readonly string[] | undefined,
    options: ScheduleSourceOptions = {},
  ) {
    this.skipGroupPrefixes = options.skipGroupPrefixes ?? [];
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
  }

  async list(): Promise<ScheduleSummary[]> {
    const summaries: ScheduleSummary[] = [];
    for (const groupName of await this.groupsToList()) {
      try {
        summaries.push(...(await this.schedulesOf(groupName)));
      } catch (error) {
        // A group that does not exist (yet, or any more) has no schedules; the other groups are still listed. The
        // engine forgets a schedule only once GetSchedule says it is gone.
        if (!(error instanceof ResourceNotFoundException)) throw error;
      }
    }
    return summaries;
  }

  private async groupsToList(): Promise<string[]> {
    if (this.groups !== undefined && this.groups.length > 0) return [...new Set(this.groups)];
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListScheduleGroupsCommand({
          MaxResults: PAGE_SIZE,
          ...(nextToken !== undefined && { NextToken: nextToken }),
        }),
      );
      const groups = page.ScheduleGroups ?? [];
      this.warnIfUnpaged('ListScheduleGroups', 'the account', groups.length, page.NextToken);
      for (const group of groups) {
        if (group.Name === undefined) continue;
        if (this.skipGroupPrefixes.some((prefix) => group.Name?.startsWith(prefix) === true)) continue;
        names.push(group.Name);
      }
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
    return names;
  }

  private async schedulesOf(groupName: string): Promise<ScheduleSummary[]> {
    const summaries: ScheduleSummary[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListSchedulesCommand({
          GroupName: groupName,
          MaxResults: PAGE_SIZE,
          ...(nextToken !== undefined && { NextToken: nextToken }),
        }),
      );
      const schedules = page.Schedules ?? [];
      this.warnIfUnpaged('ListSchedules', `group ${groupName}`, schedules.length, page.NextToken);
      for (const schedule of schedules) {
        if (schedule.Name === undefined) continue;
        summaries.push({
          groupName: schedule.GroupName ?? groupName,
          name: schedule.Name,
          ...(schedule.LastModificationDate !== undefined && { lastModificationDate: schedule.LastModificationDate }),
        });
      }
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
    return summaries;
  }

  /**
   * A full page without a NextToken is how an emulator that does not page answers (MiniStack returns at most
   * MaxResults, never a token); AWS may end on a full page too, so it is a warning, once.
   */
  private warnIfUnpaged(operation: string, scope: string, count: number, nextToken: string | undefined): void {
    if (this.warnedUnpaged || count < PAGE_SIZE || nextToken !== undefined) return;
    this.warnedUnpaged = true;
    this.log(
      `local scheduler: ${operation} for ${scope} returned a full page of ${PAGE_SIZE} without a NextToken: the ` +
        `endpoint may not page, and ${operation === 'ListSchedules' ? 'schedules' : 'schedule groups'} past the ` +
        `first ${PAGE_SIZE} ${operation === 'ListSchedules' ? 'of a group ' : ''}are not seen`,
    );
  }

  async get(groupName: string, name: string): Promise<LocalSchedule | undefined> {
    try {
      const output = await this.client.send(new GetScheduleCommand({ GroupName: groupName, Name: name }));
      return localScheduleOf(output, new Date(this.now()));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  async delete(groupName: string, name: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ GroupName: groupName, Name: name }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}

const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:(\d{12}):([A-Za-z0-9_.-]+)$/;

/** SendMessage to a queue given by ARN: its URL comes from GetQueueUrl (name and owner account), remembered. */
export class SdkQueueSender implements QueueSender {
  private readonly urls = new Map<string, string>();

  constructor(private readonly client: SQSClient) {}

  async send(queueArn: string, message: OutboundMessage): Promise<void> {
    const url = await this.urlOf(queueArn);
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: message.body,
          ...(message.messageGroupId !== undefined && { MessageGroupId: message.messageGroupId }),
          ...(message.attributes !== undefined && {
            MessageAttributes: Object.fromEntries(
              Object.entries(message.attributes).map(([name, value]) => [
                name,
                { DataType: 'String', StringValue: value },
              ]),
            ),
          }),
        }),
      );
    } catch (error) {
      // The queue may have been deleted (and perhaps created again under a new URL).
      this.urls.delete(queueArn);
      throw error;
    }
  }

  private async urlOf(queueArn: string): Promise<string> {
    const known = this.urls.get(queueArn);
    if (known !== undefined) return known;
    const match = QUEUE_ARN.exec(queueArn);
    if (match === null) throw new Error(`${queueArn} is not an SQS queue ARN`);
    const [, account = '', queueName = ''] = match;
    const { QueueUrl } = await this.client.send(
      new GetQueueUrlCommand({ QueueName: queueName, QueueOwnerAWSAccountId: account }),
    );
    if (QueueUrl === undefined) throw new Error(`GetQueueUrl returned no URL for ${queueArn}`);
    this.urls.set(queueArn, QueueUrl);
    return QueueUrl;
  }
}
