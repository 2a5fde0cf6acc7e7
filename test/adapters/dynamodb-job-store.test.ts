import { CreateTableCommand, DeleteTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbJobStore } from '../../lib/adapters/aws/dynamodb-job-store';
import { JobConflictError, JobNotFoundError, StaleVersionError, ValidationError } from '../../lib/domain/errors';
import type { Job } from '../../lib/schemas/job';
import { jobsTableInput } from '../support/tables';
import { uniqueName } from '../support/names';
import { aJob } from '../support/worker/builders';

/** A stored job named after its id; the shared builder fills in every default. */
function job(id: string, overrides: Partial<Job> = {}): Job {
  return aJob({ id, name: id, ...overrides });
}

describe('DynamoDbJobStore', () => {
  const client = new DynamoDBClient({});
  const tableName = uniqueName('sked-jobstore');
  const store = new DynamoDbJobStore(client, tableName);

  beforeAll(async () => {
    await client.send(new CreateTableCommand(jobsTableInput(tableName)));
    await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: tableName });
  });

  afterAll(async () => {
    await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
  });

  it('creates a job and reads it back unchanged', async () => {
    // Prepare
    const created = job('read-back', { description: 'kept', tags: ['a', 'b'] });

    // Act
    await store.create(created);

    // Assess
    expect(await store.get('read-back')).toEqual(created);
  });

  it('refuses to create an id twice', async () => {
    // Prepare
    await store.create(job('twice'));

    // Act
    const attempt = store.create(job('twice', { name: 'other' }));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(JobConflictError);
  });

  it('replaces only from the expected version', async () => {
    // Prepare
    await store.create(job('versioned'));
    await store.replace(job('versioned', { version: 2, name: 'second' }), 1);

    // Act
    const stale = store.replace(job('versioned', { version: 2, name: 'lost update' }), 1);
    const missing = store.replace(job('absent', { version: 2 }), 1);

    // Assess
    await expect(stale).rejects.toBeInstanceOf(StaleVersionError);
    await expect(missing).rejects.toBeInstanceOf(JobNotFoundError);
    expect((await store.get('versioned'))?.name).toBe('second');
  });

  it('deletes only from the expected version, and reports an absent job', async () => {
    // Prepare
    await store.create(job('deleted', { version: 3 }));

    // Act
    const stale = store.delete('deleted', 2);
    await expect(stale).rejects.toBeInstanceOf(StaleVersionError);
    await store.delete('deleted', 3);

    // Assess
    expect(await store.get('deleted')).toBeUndefined();
    await expect(store.delete('deleted')).rejects.toBeInstanceOf(JobNotFoundError);
  });

  it('lists a group by id with state and tag filters, page by page', async () => {
    // Prepare
    for (const [id, state, tags] of [
      ['l-1', 'enabled', ['x']],
      ['l-2', 'paused', ['x']],
      ['l-3', 'enabled', ['y']],
      ['l-4', 'enabled', ['x']],
    ] as const) {
      await store.create(job(id, { group: 'listing', state, tags: [...tags] }));
    }

    // Act
    const first = await store.list({ group: 'listing', state: 'enabled', tag: 'x', limit: 1 });
    const second = await store.list({
      group: 'listing',
      state: 'enabled',
      tag: 'x',
      limit: 1,
      cursor: first.nextCursor,
    });

    // Assess
    expect(first.items.map((item) => item.id)).toEqual(['l-1']);
    expect(second.items.map((item) => item.id)).toEqual(['l-4']);
    expect(second.nextCursor).toBeUndefined();
  });

  it('refuses a cursor it did not issue', async () => {
    // Act
    const attempt = store.list({ limit: 10, cursor: 'bm90LWEtY3Vyc29y' });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
  });
});
