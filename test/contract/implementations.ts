import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
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

/** A table on the local cloud with a name no other test uses, deleted on dispose. */
export async function freshTable<T>(
  prefix: string,
  input: (tableName: string) => CreateTableCommandInput,
  make: (client: DynamoDBClient, tableName: string) => T,
): Promise<Instance<T>> {
  const client = new DynamoDBClient({});
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
