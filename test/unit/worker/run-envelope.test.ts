import { describe, expect, it } from 'vitest';
import type { Run } from '../../../lib/schemas/run';
import { processMessage } from '../../../lib/use-cases/run-occurrence';
import { aJob, aMessage, scheduled } from '../../support/worker/builders';
import { fakeWorld } from '../../support/worker/fake-world';
import { AT, invocation, NOW, RUN_ID } from '../../support/worker/occurrence';
import { countingTask } from '../../support/worker/tasks';

// How the worker reads a record: what it refuses as no run envelope, and which DLQ copies it takes for a redrive.

/** The occurrence's run as an exhausted attempt left it, before any redrive. */
const FAILED_RUN: Run = {
  jobId: 'job-1',
  runId: RUN_ID,
  scheduledTime: '2030-01-01T09:00:00.000Z',
  kind: 'schedule',
  status: 'failed',
  attempts: 3,
  error: { class: 'Error', message: 'boom', category: 'task_exception' },
};

describe('a record that is not a run envelope', () => {
  it('goes to the DLQ when its body is not JSON', async () => {
    // Prepare
    const world = fakeWorld({ now: NOW });

    // Act
    const outcome = await processMessage(world.deps, aMessage('{"v":1,'), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(world.messages.deadLetters.map((dead) => dead.note)).toEqual([
      { reason: 'unparseable', detail: 'body is not JSON' },
    ]);
    expect(world.metrics.count('EnvelopesRejected')).toBe(1);
  });

  it('goes to the DLQ naming the root when its JSON is not an object', async () => {
    // Prepare
    const world = fakeWorld({ now: NOW });

    // Act
    const outcome = await processMessage(world.deps, aMessage('[1, 2]'), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(world.messages.deadLetters[0]?.note.detail).toMatch(/^\(root\): /);
    expect(world.metrics.count('EnvelopesRejected')).toBe(1);
  });

  it('goes to the DLQ when its scheduled time is neither an instant nor the placeholder', async () => {
    // Prepare
    const world = fakeWorld({ now: NOW });
    world.jobs.seed(aJob());

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', 'yesterday')), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(world.messages.deadLetters.map((dead) => dead.note)).toEqual([
      { reason: 'unparseable', detail: "scheduledTime 'yesterday' is not an ISO-8601 instant" },
    ]);
    expect(world.ledger.writes).toEqual([]);
  });
});

describe('a DLQ copy moved back to the jobs queue', () => {
  it('is no redrive when it is marked exhausted but names no run', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob());
    world.ledger.seed(FAILED_RUN);

    // Act
    const outcome = await processMessage(
      world.deps,
      aMessage(scheduled('job-1', AT), { attributes: { 'sked-reason': 'exhausted' } }),
      invocation,
    );

    // Assess
    expect(outcome).toBe('done');
    expect(runs).toEqual([]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'failed', attempts: 3 });
    expect(world.log.lines.map((line) => line.message)).toEqual(['duplicate delivery; acknowledged without running']);
  });

  it.each([
    { counter: 'missing (a copy made before the counter existed)', attributes: {} },
    { counter: 'not a number', attributes: { 'sked-redrives': 'twice' } },
    { counter: 'negative', attributes: { 'sked-redrives': '-1' } },
    { counter: 'fractional', attributes: { 'sked-redrives': '0.5' } },
  ])('redrives a copy whose redrive counter is $counter as one never redriven', async ({ attributes }) => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob());
    world.ledger.seed(FAILED_RUN);
    const copy = aMessage(scheduled('job-1', AT), {
      attributes: {
        'sked-reason': 'exhausted',
        'sked-run-id': RUN_ID,
        'sked-scheduled-time': '2030-01-01T09:00:00.000Z',
        ...attributes,
      },
    });

    // Act
    const outcome = await processMessage(world.deps, copy, invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(runs).toEqual([1]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'succeeded', attempts: 1, redrives: 1 });
    expect(world.log.lines).toContainEqual(
      expect.objectContaining({ message: 'redriven from the DLQ', runId: RUN_ID, redrives: 0 }),
    );
  });

  it.each([
    { scheduledTime: 'missing', attributes: {} },
    { scheduledTime: 'not a date', attributes: { 'sked-scheduled-time': 'soon' } },
  ])(
    'redrives the occurrence its envelope names when the scheduled time of the copy is $scheduledTime',
    async ({ attributes }) => {
      // Prepare
      const { task, runs } = countingTask();
      const world = fakeWorld({ now: NOW, tasks: [task] });
      world.jobs.seed(aJob());
      world.ledger.seed(FAILED_RUN);
      const copy = aMessage(scheduled('job-1', AT), {
        attributes: { 'sked-reason': 'exhausted', 'sked-run-id': RUN_ID, 'sked-redrives': '0', ...attributes },
      });

      // Act
      const outcome = await processMessage(world.deps, copy, invocation);

      // Assess
      expect(outcome).toBe('done');
      expect(runs).toEqual([1]);
      expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({
        status: 'succeeded',
        scheduledTime: '2030-01-01T09:00:00.000Z',
        redrives: 1,
      });
    },
  );
});
