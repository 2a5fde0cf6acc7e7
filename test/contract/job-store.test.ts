import { describe, expect, it } from 'vitest';
import { DynamoDbJobStore } from '../../lib/adapters/aws/dynamodb-job-store';
import { JobConflictError, JobNotFoundError, StaleVersionError, ValidationError } from '../../lib/domain/errors';
import type { JobStore } from '../../lib/ports/job-store';
import type { JobCompletion } from '../../lib/ports/worker-job-completion';
import type { Job } from '../../lib/schemas/job';
import { InMemoryJobStore } from '../support/fakes/job-store';
import { jobsTableInput } from '../support/tables';
import { aJob } from '../support/worker/builders';
import { freshForEachTest, freshTable, inProcess, type Implementation } from './implementations';

type Store = JobStore & JobCompletion;

const stores: Implementation<Store>[] = [
  inProcess('InMemoryJobStore', () => new InMemoryJobStore()),
  {
    name: 'DynamoDbJobStore',
    create: () =>
      freshTable('sked-contract-jobs', jobsTableInput, (client, table) => new DynamoDbJobStore(client, table)),
  },
];

/** A stored job named after its id; the shared builder fills in every default. */
function job(id: string, overrides: Partial<Job> = {}): Job {
  return aJob({ id, name: id, ...overrides });
}

const ids = (page: { items: readonly Job[] }): string[] => page.items.map((item) => item.id);

describe.each(stores)('JobStore contract: $name', (implementation) => {
  let store: Store;
  freshForEachTest(implementation, (subject) => (store = subject));

  describe('create and get', () => {
    it('creates a job and reads it back unchanged', async () => {
      // Prepare
      const created = job('read-back', {
        description: 'kept',
        tags: ['a', 'b'],
        trigger: { type: 'cron', expression: '30 9 * * 1-5', timezone: 'Europe/Paris' },
        target: { type: 'task', task: 'echo', payload: { nested: { list: [1, 'two', null] } } },
        startAt: '2030-01-01T00:00:00.000Z',
      });

      // Act
      await store.create(created);

      // Assess
      expect(await store.get('read-back')).toEqual(created);
    });

    it('reads an unknown id as undefined', async () => {
      // Act
      const absent = await store.get('never-created');

      // Assess
      expect(absent).toBeUndefined();
    });

    it('refuses to create an id twice, keeping the first', async () => {
      // Prepare
      await store.create(job('twice'));

      // Act
      const attempt = store.create(job('twice', { name: 'other' }));

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(JobConflictError);
      expect((await store.get('twice'))?.name).toBe('twice');
    });
  });

  describe('replace', () => {
    it('replaces only from the expected version', async () => {
      // Prepare
      await store.create(job('versioned'));
      await store.replace(job('versioned', { version: 2, name: 'second' }), 1);

      // Act
      const stale = store.replace(job('versioned', { version: 2, name: 'lost update' }), 1);

      // Assess
      await expect(stale).rejects.toBeInstanceOf(StaleVersionError);
      expect(await store.get('versioned')).toEqual(job('versioned', { version: 2, name: 'second' }));
    });

    it('tells a missing job from a stale version', async () => {
      // Prepare
      await store.create(job('present', { version: 4 }));

      // Act
      const missing = store.replace(job('absent', { version: 2 }), 1);
      const stale = store.replace(job('present', { version: 4 }), 3);

      // Assess
      await expect(missing).rejects.toBeInstanceOf(JobNotFoundError);
      await expect(stale).rejects.toBeInstanceOf(StaleVersionError);
      expect(await store.get('absent')).toBeUndefined();
    });

    it('replaces the whole job, dropping fields the new version leaves out', async () => {
      // Prepare
      await store.create(job('whole', { description: 'old', tags: ['x'] }));

      // Act
      await store.replace(job('whole', { version: 2 }), 1);

      // Assess
      const stored = await store.get('whole');
      expect(stored).toEqual(job('whole', { version: 2 }));
      expect(stored).not.toHaveProperty('description');
    });
  });

  describe('delete', () => {
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
      await expect(store.delete('deleted', 3)).rejects.toBeInstanceOf(JobNotFoundError);
    });

    it('deletes any version when none is expected', async () => {
      // Prepare
      await store.create(job('any', { version: 7 }));

      // Act
      await store.delete('any');

      // Assess
      expect(await store.get('any')).toBeUndefined();
    });
  });

  describe('list', () => {
    it('lists by group then id, across groups', async () => {
      // Prepare
      for (const [id, group] of [
        ['b-2', 'beta'],
        ['a-2', 'alpha'],
        ['b-1', 'beta'],
        ['a-1', 'alpha'],
        ['a-10', 'alpha'],
      ] as const) {
        await store.create(job(id, { group }));
      }

      // Act
      const all = await store.list({ limit: 10 });
      const beta = await store.list({ group: 'beta', limit: 10 });

      // Assess
      expect(ids(all)).toEqual(['a-1', 'a-10', 'a-2', 'b-1', 'b-2']);
      expect(all.nextCursor).toBeUndefined();
      expect(ids(beta)).toEqual(['b-1', 'b-2']);
    });

    it('keeps a group apart from groups whose names start with it', async () => {
      // Prepare
      await store.create(job('one', { group: 'ops' }));
      await store.create(job('two', { group: 'ops-eu' }));

      // Act
      const ops = await store.list({ group: 'ops', limit: 10 });

      // Assess
      expect(ids(ops)).toEqual(['one']);
    });

    it('filters a group by state and tag, page by page, reading past the jobs the filters leave out', async () => {
      // Prepare
      for (const [id, state, tags] of [
        ['l-1', 'enabled', ['x']],
        ['l-2', 'paused', ['x']],
        ['l-3', 'enabled', ['y']],
        ['l-4', 'enabled', ['x', 'y']],
        ['l-5', 'enabled', ['x']],
      ] as const) {
        await store.create(job(id, { group: 'listing', state, tags: [...tags] }));
      }
      const query = { group: 'listing', state: 'enabled', tag: 'x', limit: 2 } as const;
      const single = { ...query, limit: 1 };

      // Act
      const first = await store.list(query);
      const second = await store.list({ ...query, cursor: first.nextCursor });
      const one = await store.list(single);
      const two = await store.list({ ...single, cursor: one.nextCursor });
      const three = await store.list({ ...single, cursor: two.nextCursor });

      // Assess
      expect(ids(first)).toEqual(['l-1', 'l-4']);
      expect(first.nextCursor).toBeDefined();
      expect(ids(second)).toEqual(['l-5']);
      expect(second.nextCursor).toBeUndefined();
      expect([one, two, three].map(ids)).toEqual([['l-1'], ['l-4'], ['l-5']]);
      expect(three.nextCursor).toBeUndefined();
    });

    it('gives no cursor when a page holds exactly what is left', async () => {
      // Prepare
      for (const id of ['e-1', 'e-2', 'e-3', 'e-4']) await store.create(job(id));

      // Act
      const first = await store.list({ limit: 2 });
      const last = await store.list({ limit: 2, cursor: first.nextCursor });

      // Assess
      expect(ids(first)).toEqual(['e-1', 'e-2']);
      expect(ids(last)).toEqual(['e-3', 'e-4']);
      expect(last.nextCursor).toBeUndefined();
    });

    it('lists nothing from an empty table', async () => {
      // Act
      const page = await store.list({ limit: 5 });

      // Assess
      expect(page).toEqual({ items: [] });
    });

    it('refuses a cursor it did not issue', async () => {
      // Act
      const notJson = store.list({ limit: 10, cursor: 'bm90LWEtY3Vyc29y' });
      const otherKey = store.list({
        limit: 10,
        cursor: Buffer.from('{"jobId":"a","sk":"run#b"}').toString('base64url'),
      });

      // Assess
      await expect(notJson).rejects.toBeInstanceOf(ValidationError);
      await expect(otherKey).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('markCompleted', () => {
    it('completes an enabled job as a new version', async () => {
      // Prepare
      await store.create(job('once', { trigger: { type: 'date', runAt: '2030-01-01T09:00:00.000Z' }, version: 2 }));

      // Act
      const completed = await store.markCompleted('once', 2, new Date('2030-01-01T09:00:07Z'));

      // Assess
      expect(completed).toBe(true);
      expect(await store.get('once')).toEqual(
        job('once', {
          trigger: { type: 'date', runAt: '2030-01-01T09:00:00.000Z' },
          state: 'completed',
          version: 3,
          updatedAt: '2030-01-01T09:00:07.000Z',
        }),
      );
    });

    it('leaves a paused or completed job as it is, and a deleted one deleted', async () => {
      // Prepare
      await store.create(job('paused', { state: 'paused' }));
      await store.create(job('done', { state: 'completed', version: 5 }));

      // Act
      await store.markCompleted('paused', 1, new Date('2030-01-01T09:00:07Z'));
      await store.markCompleted('done', 5, new Date('2030-01-01T09:00:07Z'));
      await store.markCompleted('gone', 1, new Date('2030-01-01T09:00:07Z'));

      // Assess
      expect(await store.get('paused')).toEqual(job('paused', { state: 'paused' }));
      expect(await store.get('done')).toEqual(job('done', { state: 'completed', version: 5 }));
      expect(await store.get('gone')).toBeUndefined();
    });

    it('leaves a job changed since its run read it as it is', async () => {
      // Prepare: the run read version 2; the job was then changed to cron, version 3
      await store.create(job('moved', { trigger: { type: 'cron', expression: '0 9 * * *' }, version: 3 }));

      // Act
      const completed = await store.markCompleted('moved', 2, new Date('2030-01-01T09:00:07Z'));

      // Assess
      expect(completed).toBe(false);
      expect(await store.get('moved')).toEqual(
        job('moved', { trigger: { type: 'cron', expression: '0 9 * * *' }, version: 3 }),
      );
    });
  });
});
