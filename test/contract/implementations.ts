import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import {
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { afterEach, beforeEach } from 'vitest';
import { SchedulerSchedules } from '../../lib/adapters/aws/scheduler-schedules';
import { guardedClient } from '../support/aws-clients';
import { uniqueName } from '../support/names';

/** A fresh, empty instance of a port's implementation, and how to dispose of what it was built on. */
export interface Instance<T> {
  readonly subject: T;
  dispose(): Promise<void>;
}

/** One implementation of a port under contract: an in-process fake, or an adapter over the local cloud. */
export interface Implementation<T> {
  readonly name: string;
  create(): Promise<Instance<T>>;
}

/** An implementation that needs nothing outside the process. */
export function inProcess<T>(name: string, make: () => T): Implementation<T> {
  return { name, create: () => Promise.resolve({ subject: make(), dispose: () => Promise.resolve() }) };
}

/**
 * A fresh instance for each test of the calling suite, disposed of after the test: `use` receives its subject
 * before the test runs, so no case sees what another one wrote.
 */
export function freshForEachTest<T>(implementation: Implementation<T>, use: (subject: T) => void): void {
  let instance: Instance<T> | undefined;
  beforeEach(async () => {
    instance = await implementation.create();
    use(instance.subject);
  });
  afterEach(async () => {
    await instance?.dispose();
  });
}

/** A table on the local cloud with a name no other test uses, deleted on dispose. */
export async function freshTable<T>(
  prefix: string,
  input: (tableName: string) => CreateTableCommandInput,
  make: (client: DynamoDBClient, tableName: string) => T,
): Promise<Instance<T>> {
  const client = guardedClient(DynamoDBClient);
  const tableName = uniqueName(prefix);
  await client.send(new CreateTableCommand(input(tableName)));
  await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: tableName });
  return {
    subject: make(client, tableName),
    dispose: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
      client.destroy();
    },
  };
}

/** A schedule group on the local cloud with a name no other test uses, deleted with its schedules on dispose. */
export async function freshScheduleGroup<T>(
  prefix: string,
  make: (client: SchedulerClient, groupName: string) => T,
): Promise<Instance<T>> {
  const client = guardedClient(SchedulerClient);
  const groupName = uniqueName(prefix);
  await client.send(new CreateScheduleGroupCommand({ Name: groupName }));
  return {
    subject: make(client, groupName),
    dispose: async () => {
      for (const Name of await new SchedulerSchedules(client, groupName).listNames()) {
        await client.send(new DeleteScheduleCommand({ Name, GroupName: groupName })).catch(() => undefined);
      }
      await client.send(new DeleteScheduleGroupCommand({ Name: groupName })).catch(() => undefined);
      client.destroy();
    },
  };
}
