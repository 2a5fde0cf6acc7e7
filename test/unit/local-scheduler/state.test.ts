import { mkdtemp, open, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  FileStateStore,
  LOCK_HEARTBEAT_MS,
  StateLockedError,
  stateFileFor,
} from '../../../scripts/local/scheduler/state';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sked-local-scheduler-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('local scheduler state file', () => {
  it('saves and loads what was fired and what waits, leaving no temporary file behind', async () => {
    // Prepare
    const store = new FileStateStore(join(dir, 'state.json'));
    const state = new Map([
      [
        'sked-test/job-1',
        {
          lastFired: Date.parse('2026-12-02T10:02:00Z'),
          pending: [
            { scheduledTime: Date.parse('2026-12-02T10:02:00Z'), deliverAt: Date.parse('2026-12-02T10:06:00Z') },
          ],
        },
      ],
      ['sked-test/job-2', { pending: [] }],
    ]);

    // Act
    await store.save(state);
    const loaded = await new FileStateStore(join(dir, 'state.json')).load();

    // Assess
    expect(loaded).toEqual(state);
    expect(await readdir(dir)).toEqual(['state.json']);
    expect(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'))).toMatchObject({
      version: 1,
      schedules: { 'sked-test/job-1': { lastFired: '2026-12-02T10:02:00.000Z' } },
    });
  });

  it('flushes the new state to disk before it renames it into place', async () => {
    // Prepare: what the state file holds whenever a file is flushed.
    const file = join(dir, 'state.json');
    const probe = await open(join(dir, 'probe'), 'w');
    const fileHandle = Object.getPrototypeOf(probe) as { sync: (this: unknown) => Promise<void> };
    await probe.close();
    await rm(join(dir, 'probe'));
    const sync = fileHandle.sync;
    const seenAtSync: string[] = [];
    const spy = vi.spyOn(fileHandle, 'sync').mockImplementation(async function (this: unknown) {
      seenAtSync.push(await readFile(file, 'utf8').catch(() => 'no file yet'));
      return sync.call(this);
    });

    // Act
    await new FileStateStore(file).save(new Map([['sked-test/job-1', { pending: [] }]]));
    spy.mockRestore();

    // Assess
    expect(seenAtSync).toEqual(['no file yet']);
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('removes a temporary file left by a scheduler that died mid-save when it takes the lock', async () => {
    // Prepare
    const file = join(dir, 'state.json');
    await writeFile(`${file}.4242.tmp`, '{"version": 1, "sched');
    await writeFile(join(dir, 'other.json.4242.tmp'), 'not ours');
    const store = new FileStateStore(file);

    // Act
    await store.lock();
    const left = await readdir(dir);
    await store.unlock();

    // Assess
    expect(left.sort()).toEqual(['other.json.4242.tmp', 'state.json.lock']);
  });

  it('starts empty without a file and refuses a file that is not its own', async () => {
    // Prepare
    const missing = new FileStateStore(join(dir, 'none.json'));
    await writeFile(join(dir, 'other.json'), '{"schedules": []}');

    // Act
    const empty = await missing.load();
    const foreign = new FileStateStore(join(dir, 'other.json')).load();

    // Assess
    expect(empty.size).toBe(0);
    await expect(foreign).rejects.toThrow(/is not a local scheduler state file/);
  });

  it('lets one scheduler at a time keep a state file, and takes over a lock whose process is gone', async () => {
    // Prepare
    const file = join(dir, 'state.json');
    const first = new FileStateStore(file);
    await first.lock();

    // Act
    const second = new FileStateStore(file).lock();
    await expect(second).rejects.toThrow(StateLockedError);
    await first.unlock();
    await writeFile(`${file}.lock`, '999999999\n');
    const afterStale = new FileStateStore(file).lock();

    // Assess
    await expect(afterStale).resolves.toBeUndefined();
    expect(JSON.parse(await readFile(`${file}.lock`, 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('takes over a lock whose holder stopped beating, even when its process id is in use again', async () => {
    // Prepare: a lock left by a scheduler killed two minutes ago, whose pid now belongs to a live process (this one).
    const file = join(dir, 'state.json');
    const lockFile = `${file}.lock`;
    await writeFile(lockFile, `${process.pid}\n`);
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await utimes(lockFile, twoMinutesAgo, twoMinutesAgo);
    const store = new FileStateStore(file);

    // Act
    await store.lock();
    const held: unknown = JSON.parse(await readFile(lockFile, 'utf8'));
    await store.unlock();

    // Assess
    expect(held).toEqual({ pid: process.pid, instance: expect.stringMatching(/^[0-9a-f]{16}$/) as unknown });
  });

  it('refuses a lock its live holder keeps beating, and keeps its own beating while it holds it', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const file = join(dir, 'state.json');
    const lockFile = `${file}.lock`;
    const holder = new FileStateStore(file);
    await holder.lock();
    const longAgo = new Date(Date.now() - 30_000);
    await utimes(lockFile, longAgo, longAgo);

    // Act
    vi.advanceTimersByTime(LOCK_HEARTBEAT_MS);
    await vi.waitFor(async () => expect((await stat(lockFile)).mtimeMs).toBeGreaterThan(longAgo.getTime() + 1_000));
    const second = new FileStateStore(file).lock();

    // Assess
    await expect(second).rejects.toThrow(StateLockedError);
    await holder.unlock();
    vi.useRealTimers();
  });

  it('lets only one of two schedulers starting at once take over a stale lock', async () => {
    // Prepare
    const file = join(dir, 'state.json');
    await writeFile(`${file}.lock`, '999999999\n');
    const stores = [new FileStateStore(file), new FileStateStore(file)];

    // Act
    const outcomes = await Promise.allSettled(stores.map((store) => store.lock()));

    // Assess
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(outcomes.find((outcome) => outcome.status === 'rejected')?.reason).toBeInstanceOf(StateLockedError);
    for (const store of stores) await store.unlock();
    expect(await readdir(dir)).toEqual([]);
  });

  it('names the file by endpoint and group selection, so schedulers for different ones never share it', () => {
    // Prepare
    const endpoint = 'http://localhost:4566';

    // Act
    const names = [
      stateFileFor('/s', endpoint, undefined),
      stateFileFor('/s', endpoint, ['sked-dev']),
      stateFileFor('/s', endpoint, ['b', 'a', 'b']),
      stateFileFor('/s', 'http://127.0.0.1:4588', []),
    ];

    // Assess
    expect(names).toEqual([
      '/s/localhost-4566.all.json',
      '/s/localhost-4566.sked-dev.json',
      '/s/localhost-4566.a+b.json',
      '/s/127.0.0.1-4588.all.json',
    ]);
  });
});
