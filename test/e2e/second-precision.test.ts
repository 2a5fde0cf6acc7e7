import { randomUUID } from 'node:crypto';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSkedClient,
  SkedValidationError,
  type JobInput,
  type PreviewResponse,
  type Run,
  type SkedClient,
  type WrittenJob,
} from '../../lib/client';
import { delaySecondsFor, TICK_EXPRESSION } from '../../lib/domain/tick';
import type { TickEnvelope } from '../../lib/schemas/envelope';
import type { LocalBridge } from '../../scripts/local/local-bridge';
import { signedFetch } from '../../scripts/local/signed-fetch';
import { guardedClient } from '../support/aws-clients';
import { awsStage } from '../support/e2e/aws-stage';
import { deploySked, destroySked, startLocalBridge, type LocalSked } from '../support/e2e/deployment';
import { eventually } from '../support/e2e/eventually';
import {
  nextTickBoundary,
  settledHistory,
  sleep,
  sleepUntil,
  startLagMs,
  TickControl,
  workerLogLines,
  type WorkerLogLine,
} from '../support/e2e/ticks';

/**
 * Second precision end to end (docs/design.md#second-precision): sked deployed to the local cloud, jobs written with
 * the typed client, runs read back from the ledger through the API. The seed forms run through the ticks as they
 * come (the API's first tick, then the tick schedules the local scheduler fires every 5 minutes); the fault cases
 * deliver each job's ticks themselves (test/support/e2e/ticks.ts says why and how), inside a stretch with no 5-minute
 * boundary. Every case ends with the history check: one terminal outcome per occurrence of the window, at most one
 * side effect each. The fault cases reach into the emulator's event source mapping, so the file runs locally only.
 */
const onAws = awsStage();
const endpoint = process.env.AWS_ENDPOINT_URL ?? 'http://localhost:4566';
const region = process.env.AWS_REGION ?? 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const stage = `local-sec${randomUUID().slice(0, 8)}`;

const SECOND_MS = 1_000;
/** The period of the interval jobs. */
const PERIOD_MS = 5 * SECOND_MS;
/** The start lag an occurrence that was on the queue before its time may have. */
const ON_TIME_LAG_MS = 2 * SECOND_MS;
/**
 * The fault cases run from their jobs' creation to the last occurrence of the longest (the lost tick, 10 s + 75 s)
 * and its outcome; no tick schedule may fire within that stretch.
 */
const FAULT_STRETCH_MS = 105 * SECOND_MS;
const task = { type: 'task', task: 'test.record-side-effect', payload: {} } as const;
/** What the worker logs (with the OccurrencesEnqueuedLate metric) when a tick finds occurrences already due. */
const LATE_WARNING = 'occurrences were already due when their tick ran; the misfire policy decides them';
/**
 * A job's first tick (no coverage yet, as in the late and lost cases) counts as late only the occurrences due more
 * than this long before it ran (RESTART_LATENESS_TOLERANCE_MS in lib/use-cases/run-occurrence/tick.ts).
 */
const FIRST_TICK_LATENESS_TOLERANCE_MS = 30 * SECOND_MS;

const iso = (time: number): string => new Date(time).toISOString();
const ceilToSecond = (time: number): number => Math.ceil(time / SECOND_MS) * SECOND_MS;
/** first, first + step, ... up to last (inclusive). */
const grid = (first: number, last: number, step: number): Date[] =>
  Array.from({ length: Math.floor((last - first) / step) + 1 }, (_, index) => new Date(first + index * step));
const lags = (runs: readonly Run[]): number[] => runs.map((run) => startLagMs(run) ?? Number.NaN);
const maxOf = (values: readonly number[]): number => Math.max(...values);
/**
 * The late count a job's first tick, delivered at `deliveredAt` and run within 3 s, can log: the occurrences due
 * more than FIRST_TICK_LATENESS_TOLERANCE_MS before it ran.
 */
const firstTickLateBounds = (runs: readonly Run[], deliveredAt: number): [number, number] => {
  const dueBefore = (time: number) => runs.filter((run) => Date.parse(run.scheduledTime) < time).length;
  const tolerance = FIRST_TICK_LATENESS_TOLERANCE_MS;
  return [dueBefore(deliveredAt - tolerance), dueBefore(deliveredAt + 3 * SECOND_MS - tolerance)];
};

/** An Etc/GMT zone in which the local hour at `now` is `hour` (Etc/GMT-3 is UTC+3). */
function zoneWithLocalHour(hour: number, now: Date): string {
  let offset = hour - now.getUTCHours();
  if (offset > 14) offset -= 24;
  if (offset < -12) offset += 24;
  if (offset === 0) return 'Etc/GMT';
  return offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

/** The wall-clock time of an instant in a zone, as a local ISO date-time to the second (2030-01-01T09:00:05). */
function wallTime(instant: number, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
    })
      .formatToParts(new Date(instant))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

describe.skipIf(onAws !== undefined)('second precision on the local cloud', () => {
  const logsFetch = signedFetch({ region, service: 'logs', credentials });
  const sqs = guardedClient(SQSClient);
  const cloudwatch = guardedClient(CloudWatchClient);
  const scheduler = guardedClient(SchedulerClient);
  let sked: LocalSked;
  let client: SkedClient;
  let ticks: TickControl;
  let bridge: LocalBridge | undefined;

  /** The 5-minute boundary the Quartz job is aimed at. */
  let quartzAt: number;
  let quartz: WrittenJob;

  const put = async (id: string, job: JobInput): Promise<WrittenJob> => {
    const written = await client.putJob(id, job);
    expect(written.created, `PUT /jobs/${id} replaced a job instead of creating it`).toBe(true);
    return written;
  };
  const history = (jobId: string, expected: readonly Date[]): Promise<Run[]> =>
    settledHistory(client, ticks, jobId, expected);
  const logOf = async (jobId: string): Promise<WorkerLogLine[]> =>
    (await workerLogLines(logsFetch, endpoint, sked)).filter((line) => line.jobId === jobId);

  beforeAll(async () => {
    // Prepare: the stack, the bridge, the tick controls, and the Quartz job, whose first run waits for a boundary
    sked = await deploySked(stage, endpoint);
    client = createSkedClient({ baseUrl: sked.apiBaseUrl, region, auth: { kind: 'iam', credentials } });
    bridge = await startLocalBridge({ endpoint, sqs, cloudwatch, logsFetch }, sked, 5_000);
    ticks = await TickControl.connect(sked);

    quartzAt = nextTickBoundary(Date.now() + 10 * SECOND_MS);
    quartz = await put('quartz-every-5-minutes', {
      trigger: { type: 'cron', expression: '0 */5 * * * ?' },
      precision: 'second',
      startAt: iso(quartzAt - 5 * SECOND_MS),
      endAt: iso(quartzAt + 5 * SECOND_MS),
      target: task,
    });
  }, 300_000);

  afterAll(async () => {
    await bridge?.stop();
    await destroySked(stage, endpoint).catch((error: unknown) => console.error(error));
  }, 300_000);

  describe('seed forms', () => {
    const intervalTrigger = { type: 'interval', seconds: 5 } as const;
    let cronTrigger: { type: 'cron'; second: string; hour: string; timezone: string };
    let runAt: number;
    let dateTrigger: { type: 'date'; runAt: string; timezone: string };
    const previews: Partial<Record<'interval' | 'cron' | 'date', PreviewResponse>> = {};
    const jobs: Partial<Record<'interval' | 'cron' | 'date', WrittenJob>> = {};

    beforeAll(async () => {
      // Prepare: each form previewed and registered at once, so that they run side by side
      const now = Date.now();
      cronTrigger = { type: 'cron', second: '*/10', hour: '7-23', timezone: zoneWithLocalHour(12, new Date(now)) };
      runAt = ceilToSecond(now + 45 * SECOND_MS);
      if (new Date(runAt).getUTCSeconds() === 0) runAt += SECOND_MS;
      dateTrigger = { type: 'date', runAt: wallTime(runAt, 'Europe/Paris'), timezone: 'Europe/Paris' };

      previews.interval = await client.previewTrigger({ trigger: intervalTrigger, count: 5 });
      previews.cron = await client.previewTrigger({ trigger: cronTrigger, count: 5 });
      previews.date = await client.previewTrigger({ trigger: dateTrigger });
      jobs.interval = await put('interval-5s', { trigger: intervalTrigger, endAt: iso(now + 30_000), target: task });
      jobs.cron = await put('cron-every-10s', { trigger: cronTrigger, endAt: iso(now + 35_000), target: task });
      jobs.date = await put('date-with-seconds', { trigger: dateTrigger, target: task });
    }, 60_000);

    it('runs an interval of 5 seconds at each of its seconds (APScheduler interval, seconds=5)', async ({
      annotate,
    }) => {
      // Act
      const job = jobs.interval?.job;
      if (job === undefined || job.endAt === undefined) throw new Error('the interval job was not written');
      // The grid starts at the job's creation, rounded up to the whole second
      const expected = grid(ceilToSecond(Date.parse(job.createdAt)), Date.parse(job.endAt), PERIOD_MS);
      const runs = await history(job.id, expected);

      // Assess: the preview lists second times 5 s apart, and each occurrence ran once, at its second
      expect(previews.interval).toMatchObject({ precision: 'second', expression: TICK_EXPRESSION });
      const previewed = (previews.interval?.nextRuns ?? []).map(Date.parse);
      expect(previewed).toHaveLength(5);
      expect(previewed.slice(1).map((time, index) => time - (previewed[index] ?? 0))).toEqual([5000, 5000, 5000, 5000]);
      expect(runs.map((run) => run.status)).toEqual(expected.map(() => 'succeeded'));
      for (const lag of lags(runs)) expect(lag).toBeLessThanOrEqual(ON_TIME_LAG_MS);
      await annotate(`max start lag ${maxOf(lags(runs))} ms over ${runs.length} runs`);
    }, 90_000);

    it('runs an APScheduler cron with second */10 in a zone where the hour is within 7-23', async ({ annotate }) => {
      // Act
      const job = jobs.cron?.job;
      if (job === undefined || job.endAt === undefined) throw new Error('the cron job was not written');
      const first = Math.ceil(Date.parse(job.createdAt) / 10_000) * 10_000;
      const expected = grid(first, Date.parse(job.endAt), 10_000);
      const runs = await history(job.id, expected);

      // Assess: the preview lists the tenth seconds in the trigger's zone, and each ran once, at its second
      expect(previews.cron).toMatchObject({
        precision: 'second',
        expression: TICK_EXPRESSION,
        triggerTimezone: cronTrigger.timezone,
      });
      const previewed = (previews.cron?.nextRuns ?? []).map(Date.parse);
      expect(previewed).toHaveLength(5);
      for (const time of previewed) expect(time % 10_000).toBe(0);
      expect(expected.length).toBeGreaterThanOrEqual(3);
      expect(runs.map((run) => run.status)).toEqual(expected.map(() => 'succeeded'));
      for (const lag of lags(runs)) expect(lag).toBeLessThanOrEqual(ON_TIME_LAG_MS);
      await annotate(`${cronTrigger.timezone}: max start lag ${maxOf(lags(runs))} ms over ${runs.length} runs`);
    }, 90_000);

    it('runs a date trigger with seconds once, at its second, and completes the job', async ({ annotate }) => {
      // Act
      const job = jobs.date?.job;
      if (job === undefined) throw new Error('the date job was not written');
      const runs = await history(job.id, [new Date(runAt)]);
      const completed = await eventually(
        () => client.getJob(job.id),
        (read) => read.job.state === 'completed',
        { timeoutMs: 15_000, intervalMs: 1_000 },
      );

      // Assess: the local wall time in Paris is the UTC instant aimed at, to the second
      expect(previews.date).toMatchObject({ precision: 'second', nextRuns: [iso(runAt)] });
      expect(runs.map((run) => [run.scheduledTime, run.status])).toEqual([[iso(runAt), 'succeeded']]);
      expect(startLagMs(runs[0] as Run)).toBeLessThanOrEqual(ON_TIME_LAG_MS);
      expect(completed.job.nextRuns).toEqual([]);
      await annotate(`${dateTrigger.runAt} Europe/Paris: start lag ${maxOf(lags(runs))} ms`);
    }, 120_000);

    it("refuses a trigger with seconds on a job that asks for precision 'minute', naming trigger.second", async () => {
      // Act
      const refused = await client
        .putJob('minute-precision-seconds', {
          trigger: { type: 'cron', second: '*/10' },
          precision: 'minute',
          target: task,
        })
        .catch((error: unknown) => error);

      // Assess: a 400 whose problem names the field, and nothing stored
      expect(refused).toBeInstanceOf(SkedValidationError);
      expect(refused).toMatchObject({ status: 400 });
      expect((refused as SkedValidationError).issues.map((issue) => issue.path)).toEqual(['trigger.second']);
      await expect(client.getJob('minute-precision-seconds')).rejects.toMatchObject({ status: 404 });
    }, 30_000);
  });

  describe.concurrent('faults, with the ticks delivered by the test', () => {
    /** Each job fires every 5 s from `startAt`, 10 s after it is written, to `startAt + lastMs`. */
    const faultJobs = {
      twice: { id: 'tick-twice', lastMs: 20_000, policies: {} },
      atOnce: { id: 'tick-twice-at-once', lastMs: 20_000, policies: {} },
      crash: { id: 'tick-crash', lastMs: 25_000, policies: {} },
      late: {
        id: 'tick-late',
        lastMs: 60_000,
        policies: { misfireGraceSeconds: 20, coalesce: false, maxConcurrent: 10 },
      },
      lost: { id: 'tick-lost', lastMs: 75_000, policies: { misfireGraceSeconds: 15 } },
    } as const;
    type Case = keyof typeof faultJobs;
    interface Written {
      readonly startAt: number;
      readonly expected: readonly Date[];
      /** The tick the API sent after the write, taken off the queue before the worker saw it. */
      readonly firstTick: TickEnvelope;
    }
    const written: Partial<Record<Case, Written>> = {};
    const writtenJob = (which: Case): Written => {
      const job = written[which];
      if (job === undefined) throw new Error(`${faultJobs[which].id} was not written`);
      return job;
    };
    const settled = (which: Case): Promise<Run[]> => history(faultJobs[which].id, writtenJob(which).expected);

    beforeAll(async () => {
      // Prepare: clear of the next 5-minute boundary, where the jobs' tick schedules would fire
      if (nextTickBoundary(Date.now()) - Date.now() < FAULT_STRETCH_MS) {
        await sleepUntil(nextTickBoundary(Date.now()) + 3 * SECOND_MS);
      }
      const starts = new Map<Case, number>();
      const held = await ticks.withFirstTicksHeld(
        Object.values(faultJobs).map((job) => job.id),
        async () => {
          for (const [which, { id, lastMs, policies }] of Object.entries(faultJobs) as [
            Case,
            (typeof faultJobs)[Case],
          ][]) {
            const startAt = ceilToSecond(Date.now() + 10 * SECOND_MS);
            starts.set(which, startAt);
            await put(id, {
              trigger: { type: 'interval', seconds: 5 },
              startAt: iso(startAt),
              endAt: iso(startAt + lastMs),
              target: task,
              ...policies,
            });
          }
        },
      );
      for (const [which, { id, lastMs }] of Object.entries(faultJobs) as [Case, (typeof faultJobs)[Case]][]) {
        const startAt = starts.get(which) ?? 0;
        const firstTick = held.get(id);
        if (firstTick === undefined) throw new Error(`no first tick for ${id}`);
        written[which] = { startAt, expected: grid(startAt, startAt + lastMs, PERIOD_MS), firstTick };
      }
      // The ticks are off the queue: no occurrence is enqueued until the tests deliver a tick.
      for (const { id } of Object.values(faultJobs)) expect(await ticks.coverage(id)).toBeUndefined();
    }, 300_000);

    it('a tick delivered twice enqueues each occurrence once', async ({ expect, annotate }) => {
      // Act: the tick, and once it has moved the coverage, the same tick again
      const { firstTick } = writtenJob('twice');
      const id = faultJobs.twice.id;
      await ticks.sendTick(firstTick);
      await eventually(
        () => ticks.coverage(id),
        (coverage) => coverage !== undefined,
        { timeoutMs: 10_000, intervalMs: 200 },
      );
      await ticks.sendTick(firstTick);
      const runs = await settled('twice');

      // Assess: each occurrence ran once and on time; the second tick found its occurrences enqueued
      expect(runs.map((run) => run.status)).toEqual(writtenJob('twice').expected.map(() => 'succeeded'));
      for (const lag of lags(runs)) expect(lag).toBeLessThanOrEqual(ON_TIME_LAG_MS);
      const log = await logOf(id);
      expect(log.filter((line) => line.message.includes('duplicate delivery'))).toEqual([]);
      expect(log.filter((line) => line.message === 'occurrences up to this tick are already enqueued')).toHaveLength(1);
      await annotate(`max start lag ${maxOf(lags(runs))} ms over ${runs.length} runs`);
    }, 150_000);

    it('a tick delivered twice at once: each occurrence still runs once, extra copies are duplicates', async ({
      expect,
      annotate,
    }) => {
      // Act: two copies of the tick together, as an at-least-once delivery may bring them
      const { firstTick } = writtenJob('atOnce');
      const id = faultJobs.atOnce.id;
      await Promise.all([ticks.sendTick(firstTick), ticks.sendTick(firstTick)]);
      const runs = await settled('atOnce');

      // Assess: the ledger settles any occurrence both copies enqueued; none runs twice
      expect(runs.map((run) => run.status)).toEqual(writtenJob('atOnce').expected.map(() => 'succeeded'));
      for (const lag of lags(runs)) expect(lag).toBeLessThanOrEqual(ON_TIME_LAG_MS);
      const duplicates = (await logOf(id)).filter((line) => line.message.includes('duplicate delivery'));
      for (const line of duplicates) expect(runs.map((run) => run.runId)).toContain(line.runId);
      await annotate(
        `max start lag ${maxOf(lags(runs))} ms over ${runs.length} runs; ${duplicates.length} copies acknowledged as duplicates`,
      );
    }, 150_000);

    it('a worker that crashed after enqueueing part of a window: its redelivered tick runs every occurrence once', async ({
      expect,
      annotate,
    }) => {
      // Act: what the crashed tick left, the first three occurrences on the queue and no coverage; then its redelivery
      const { firstTick, expected } = writtenJob('crash');
      const id = faultJobs.crash.id;
      const now = new Date();
      const enqueued = expected.slice(0, 3);
      await ticks.sendOccurrences(
        enqueued.map((time) => ({
          envelope: {
            v: 1,
            jobId: id,
            kind: 'schedule',
            scheduledTime: time.toISOString(),
            tick: firstTick.scheduledTime,
          },
          delaySeconds: delaySecondsFor(time, now),
        })),
      );
      expect(await ticks.coverage(id)).toBeUndefined();
      await sleep(3 * SECOND_MS);
      await ticks.sendTick(firstTick);
      const runs = await settled('crash');

      // Assess: each occurrence ran once, on time; each copy sent before the crash was acknowledged as a duplicate
      expect(runs.map((run) => run.status)).toEqual(expected.map(() => 'succeeded'));
      for (const lag of lags(runs)) expect(lag).toBeLessThanOrEqual(ON_TIME_LAG_MS);
      const enqueuedRunIds = runs.slice(0, 3).map((run) => run.runId);
      const duplicates = await eventually(
        async () => (await logOf(id)).filter((line) => line.message.includes('duplicate delivery')),
        (lines) => lines.length >= enqueuedRunIds.length,
        { timeoutMs: 10_000, intervalMs: 1_000 },
      );
      expect(duplicates.map((line) => line.runId).sort()).toEqual(enqueuedRunIds);
      expect((await ticks.coverage(id))?.coveredUntil.getTime()).toBeGreaterThan(expected.at(-1)?.getTime() ?? 0);
      await annotate(`max start lag ${maxOf(lags(runs))} ms over ${runs.length} runs`);
    }, 150_000);

    it('a tick 50 s late: occurrences past the misfire grace are missed, the rest run late, later ones on time', async ({
      expect,
      annotate,
    }) => {
      // Act: the first tick arrives 50 s after its time, between two occurrences' misfire deadlines
      const { firstTick, startAt, expected } = writtenJob('late');
      const id = faultJobs.late.id;
      const graceMs = faultJobs.late.policies.misfireGraceSeconds * SECOND_MS;
      await sleepUntil(startAt + 41 * SECOND_MS);
      const deliveredAt = Date.now();
      await ticks.sendTick(firstTick);
      const runs = await settled('late');

      // Assess: by lateness when the tick came; an occurrence within 3 s of its deadline may go either way
      expect(deliveredAt - Date.parse(firstTick.scheduledTime)).toBeGreaterThanOrEqual(49 * SECOND_MS);
      const missed = runs.filter((run) => deliveredAt - Date.parse(run.scheduledTime) > graceMs);
      const late = runs.filter((run) => {
        const time = Date.parse(run.scheduledTime);
        return time <= deliveredAt && deliveredAt + 3 * SECOND_MS - time < graceMs;
      });
      const onTime = runs.filter((run) => Date.parse(run.scheduledTime) > deliveredAt + ON_TIME_LAG_MS);
      for (const run of missed) expect(run).toMatchObject({ status: 'missed', reason: 'misfire', attempts: 0 });
      for (const run of late) {
        expect(run.status).toBe('succeeded');
        expect(startLagMs(run)).toBeLessThanOrEqual(graceMs + 3 * SECOND_MS);
      }
      for (const run of onTime) {
        expect(run.status).toBe('succeeded');
        expect(startLagMs(run)).toBeLessThanOrEqual(ON_TIME_LAG_MS);
      }
      expect([missed.length, late.length, onTime.length]).toEqual([5, 4, 4]);
      expect(runs).toHaveLength(expected.length);
      const warnings = (await logOf(id)).filter((line) => line.message === LATE_WARNING);
      expect(warnings).toHaveLength(1);
      const [fewest, most] = firstTickLateBounds(runs, deliveredAt);
      expect(warnings[0]?.late).toBeGreaterThanOrEqual(Math.max(1, fewest));
      expect(warnings[0]?.late).toBeLessThanOrEqual(most);
      await annotate(
        `tick ${deliveredAt - Date.parse(firstTick.scheduledTime)} ms late; ${missed.length} missed, ` +
          `${late.length} late (max lag ${maxOf(lags(late))} ms), late count ${String(warnings[0]?.late)}, ` +
          `${onTime.length} on time (max lag ${maxOf(lags(onTime))} ms)`,
      );
    }, 150_000);

    it('ticks lost for a minute: the next tick records the gap beyond the grace missed, and says so', async ({
      expect,
      annotate,
    }) => {
      // Act: the first tick never comes; the next one comes a minute into the job's occurrences
      const { firstTick, startAt } = writtenJob('lost');
      const id = faultJobs.lost.id;
      const graceMs = faultJobs.lost.policies.misfireGraceSeconds * SECOND_MS;
      await sleepUntil(startAt + 61 * SECOND_MS);
      const deliveredAt = Date.now();
      await ticks.sendTick({ v: 1, jobId: id, kind: 'tick', scheduledTime: iso(deliveredAt) });
      const runs = await settled('lost');

      // Assess: the gap beyond the grace is missed; within it the newest runs and the older ones are coalesced
      expect(deliveredAt - Date.parse(firstTick.scheduledTime)).toBeGreaterThanOrEqual(60 * SECOND_MS);
      const due = runs.filter((run) => Date.parse(run.scheduledTime) <= deliveredAt);
      const missed = due.filter((run) => deliveredAt - Date.parse(run.scheduledTime) > graceMs);
      const inGrace = due.filter((run) => !missed.includes(run));
      const onTime = runs.filter((run) => Date.parse(run.scheduledTime) > deliveredAt + ON_TIME_LAG_MS);
      for (const run of missed) expect(run).toMatchObject({ status: 'missed', reason: 'misfire', attempts: 0 });
      expect(inGrace.map((run) => [run.status, run.reason])).toEqual([
        ...inGrace.slice(0, -1).map(() => ['skipped', 'coalesced']),
        ['succeeded', undefined],
      ]);
      for (const run of onTime) {
        expect(run.status).toBe('succeeded');
        expect(startLagMs(run)).toBeLessThanOrEqual(ON_TIME_LAG_MS);
      }
      expect([missed.length, inGrace.length, onTime.length]).toEqual([10, 3, 3]);
      const warnings = (await logOf(id)).filter((line) => line.message === LATE_WARNING);
      expect(warnings).toHaveLength(1);
      const [fewest, most] = firstTickLateBounds(runs, deliveredAt);
      expect(warnings[0]?.late).toBeGreaterThanOrEqual(Math.max(1, fewest));
      expect(warnings[0]?.late).toBeLessThanOrEqual(most);
      await annotate(
        `gap ${deliveredAt - Date.parse(firstTick.scheduledTime)} ms; ${missed.length} missed, ${inGrace.length} in the grace, ` +
          `late count ${String(warnings[0]?.late)}, ${onTime.length} on time (max lag ${maxOf(lags(onTime))} ms)`,
      );
    }, 150_000);
  });

  it('starts a Quartz 5-minute schedule that asks for second precision at its boundary second', async ({
    annotate,
  }) => {
    // Act
    const runs = await history(quartz.job.id, [new Date(quartzAt)]);
    const schedule = await scheduler.send(
      new GetScheduleCommand({ Name: quartz.job.id, GroupName: sked.outputs.ScheduleGroupName }),
    );

    // Assess: the trigger alone would run at minute precision; the job runs by ticks, at the second
    const preview = await client.previewTrigger({ trigger: quartz.job.trigger });
    expect(preview.precision).toBe('minute');
    expect(quartz.job.precision).toBe('second');
    expect(schedule.ScheduleExpression).toBe(TICK_EXPRESSION);
    expect(JSON.parse(schedule.Target?.Input ?? '{}')).toMatchObject({ kind: 'tick', jobId: quartz.job.id });
    expect(runs.map((run) => [run.scheduledTime, run.status])).toEqual([[iso(quartzAt), 'succeeded']]);
    expect(startLagMs(runs[0] as Run)).toBeLessThanOrEqual(ON_TIME_LAG_MS);
    await annotate(`start lag ${maxOf(lags(runs))} ms`);
  }, 360_000);
});
