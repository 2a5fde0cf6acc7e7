import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileStateStore, StateLockedError, stateFileFor } from '../../../scripts/local/scheduler/state';

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
    expect((await readFile(`${file}.lock`, 'utf8')).trim()).toBe(String(process.pid));
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
