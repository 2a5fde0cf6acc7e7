/**
 * BENCHMARKS.md's section 7 (second precision), written by bench/report.ts in a full run and spliced into the
 * existing file by `BENCH_ONLY=second-precision` (between its markers, the rest of the file left as it is).
 */
import { ARRIVAL_LEAD_SECONDS } from '../../lib/domain/tick';
import { formatNumber as num } from '../support/stats';
import type {
  HistoryCheck,
  LagSummary,
  PhaseCounts,
  ScaleResult,
  SecondPrecisionResult,
  WindowResult,
} from './second-precision';

export const SECOND_PRECISION_START = '<!-- second-precision:start -->';
export const SECOND_PRECISION_END = '<!-- second-precision:end -->';
/** The line this section adds to `## Targets`. */
export const SECOND_PRECISION_TARGET_PREFIX = '- Second precision:';
export const SECOND_PRECISION_HEADING = '## 7. Second precision on the local cloud';

const s = (ms: number | undefined, digits = 2) =>
  ms === undefined || !Number.isFinite(ms) ? 'n/a' : (ms / 1000).toFixed(digits);
const verdict = (met: boolean) => (met ? '**met**' : '**not met**');

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

function lagCells(lag: LagSummary | undefined): string[] {
  if (lag === undefined) return ['n/a', 'n/a', 'n/a', 'n/a'];
  return [s(lag.min, 3), `**${s(lag.median, 3)}**`, s(lag.p99, 3), s(lag.max, 3)];
}

const outcomes = (check: HistoryCheck) =>
  Object.entries(check.outcomes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, count]) => `${status} ${count}`)
    .join(', ');

function historyRow(name: string, trigger: string, check: HistoryCheck): string[] {
  return [
    name,
    trigger,
    String(check.jobs),
    String(check.expected),
    ...lagCells(check.lag),
    `${check.terminal} / ${check.expected} (${outcomes(check)})`,
    String(check.missing),
    String(check.ranTwice),
    String(check.unexpected),
  ];
}

function perJob(counts: PhaseCounts, runs: number): string[] {
  const w = counts.worker;
  const sqs = w === undefined ? undefined : counts.firstTicks + counts.scheduler.count + w.enqueued;
  const per = (value: number | undefined, of: number) => (value === undefined || of === 0 ? 'n/a' : num(value / of));
  return [
    `${counts.scheduler.count} (${per(counts.scheduler.count, counts.jobs)})`,
    w === undefined ? 'n/a' : `${w.ticks} (${per(w.ticks, counts.jobs)})`,
    sqs === undefined ? 'n/a' : `${sqs} (${per(sqs, counts.jobs)}; ${per(sqs, runs)} per run)`,
    w === undefined ? 'n/a' : `${w.invocations} (${per(w.invocations, runs)} per run)`,
    w === undefined ? 'n/a' : `${w.earlyPutBack} / ${w.duplicates}`,
  ];
}

const ran = (check: HistoryCheck) => check.outcomes.succeeded ?? 0;

/** The target verdict: second-precision p99 start lag at most 1 s, and every history check clean. */
export function secondPrecisionTarget(r: SecondPrecisionResult | string): string {
  if (typeof r === 'string') return `${SECOND_PRECISION_TARGET_PREFIX} not measured.`;
  const checks: HistoryCheck[] = [];
  const p99s: string[] = [];
  let lagMet = true;
  if (typeof r.window !== 'string') {
    checks.push(r.window.minute, r.window.secondCron, r.window.interval);
    for (const [name, check] of [
      ['cron', r.window.secondCron],
      ['every 5 s', r.window.interval],
    ] as const) {
      lagMet &&= check.lag !== undefined && check.lag.p99 <= 1000;
      p99s.push(`${name} ${s(check.lag?.p99, 3)} s`);
    }
  } else lagMet = false;
  if (typeof r.scale !== 'string') {
    checks.push(r.scale.history);
    lagMet &&= r.scale.history.lag !== undefined && r.scale.history.lag.p99 <= 1000;
    p99s.push(`${r.scale.jobs} in one minute ${s(r.scale.history.lag?.p99, 3)} s`);
  } else lagMet = false;
  const clean = checks.every((check) => check.missing === 0 && check.ranTwice === 0 && check.unexpected === 0);
  return (
    `${SECOND_PRECISION_TARGET_PREFIX} start lag p99 at most 1 s on the local cloud, under a scheduler that delivers ` +
    `up to ${r.spreadSeconds} s late: ${verdict(lagMet)} (p99 ${p99s.join(', ')}); every occurrence exactly one ` +
    `terminal outcome, none run twice, none missing: ${verdict(clean && checks.length === 4)}.`
  );
}

function windowPart(out: string[], w: WindowResult, spreadSeconds: number): void {
  const minuteMedian = w.minute.lag?.median;
  const secondMedian = w.secondCron.lag?.median;
  out.push(
    `**The window** (${w.start} to ${w.end}, ${w.minutes} minutes, every job bounded by it with startAt and endAt): ` +
      `${w.minute.jobs} minute-precision jobs \`* * * * *\` (today's path: their schedule delivers each occurrence), ` +
      `${w.secondCron.jobs} second-precision cron jobs (one \`* * * * *\` with \`precision: 'second'\`, the others ` +
      'at distinct seconds of every minute) and one `interval seconds=5` job, all running `test.record-side-effect`. ' +
      "Start lag is the ledger's `startedAt` minus `scheduledTime`, in seconds.",
  );
  out.push('');
  out.push(
    table(
      [
        'jobs',
        'trigger',
        'jobs',
        'occurrences',
        'lag min',
        'lag median',
        'lag p99',
        'lag max',
        'terminal / expected',
        'missing',
        'ran twice',
        'unexpected',
      ],
      [
        historyRow('minute precision', '`* * * * *`', w.minute),
        historyRow('second precision', 'cron, at a second', w.secondCron),
        historyRow('second precision', '`interval seconds=5`', w.interval),
      ],
    ),
  );
  out.push('');
  if (minuteMedian !== undefined && secondMedian !== undefined && secondMedian > 0) {
    out.push(
      `Minute precision against second precision (cron), in this run: median lag ${s(minuteMedian)} s against ` +
        `${s(secondMedian, 3)} s, p99 ${s(w.minute.lag?.p99)} s against ${s(w.secondCron.lag?.p99, 3)} s ` +
        `(${num((w.minute.lag?.p99 ?? NaN) / (w.secondCron.lag?.p99 ?? NaN), 0)} times; the every-5-s job's p99 ` +
        `${s(w.interval.lag?.p99, 3)} s). The minute path's ` +
        `lag is the scheduler's delivery delay (uniform in [0, ${spreadSeconds}) s here, as on AWS) plus the worker's ` +
        "pick-up; the second path's ticks suffer the same delay and absorb it, looking 11 minutes ahead.",
    );
    out.push('');
  }
  out.push(
    `The interval job: ${w.interval.expected} occurrences in the window ` +
      `(${w.intervalMatchesArithmetic ? "sked's evaluator gives exactly startAt + k x 5 s" : "**sked's evaluator does not give startAt + k x 5 s**"}); ` +
      `its scheduled ticks delivered: ${w.intervalTicks.length} (${w.intervalTicks.map((t) => t.slice(11, 19)).join(', ') || 'none'}), ` +
      "besides the API's first tick at creation. " +
      (w.intervalPastFirstHorizon > 0
        ? `${w.intervalPastFirstHorizon} of its occurrences lay past the first tick's horizon (11 minutes after the ` +
          'creation), so only the scheduled ticks could enqueue them. '
        : "The window ends within the first tick's horizon (11 minutes after the creation), so the scheduled ticks " +
          'found nothing left to enqueue. ') +
      `History: ${w.interval.terminal} of ${w.interval.expected} terminal, ` +
      `${w.interval.missing} missing, ${w.interval.ranTwice} run twice, ${w.interval.moreThanOneAttempt} with more ` +
      'than one attempt.',
  );
  out.push('');
}

function scalePart(out: string[], c: ScaleResult): void {
  out.push(
    `**The scale test**: ${c.jobs} date jobs with \`precision: 'second'\`, job i at second i mod 60 of the minute ` +
      `${c.fireMinute} (${Math.ceil(c.jobs / 60)} or so per second), created through API Gateway with the typed ` +
      `client (PUT /jobs/{id}, ${c.createConcurrency} requests at a time): ${c.created} created in ` +
      `${num(c.createSeconds, 0)} s, ${c.throttled} answers 429 (retried by the client), ` +
      `${c.createFailures.length} refused${c.createFailures.length > 0 ? ` (${c.createFailures.slice(0, 3).join('; ')})` : ''}; ` +
      `the last create answered ${num(c.marginSeconds, 0)} s before the minute. ` +
      (c.tickBoundariesBetween === 0
        ? 'The creates started after a 5-minute boundary and the minute is the fourth after it, so no scheduled tick ' +
          "fell between them: every occurrence was enqueued by the API's first tick, as for any job created less " +
          'than 5 minutes before it runs.'
        : `${c.tickBoundariesBetween} 5-minute boundaries fell between the creates and the runs, so scheduled ticks ` +
          'could fire for these jobs too (the emulator lists only the first 100 schedules of a group, so the local ' +
          'scheduler fires at most 100 of them).'),
  );
  out.push('');
  out.push(
    table(
      ['jobs', 'lag min', 'lag median', 'lag p99', 'lag max', 'terminal / expected', 'lost', 'ran twice', 'drain'],
      [
        [
          String(c.jobs),
          ...lagCells(c.history.lag),
          `${c.history.terminal} / ${c.history.expected} (${outcomes(c.history)})`,
          String(c.history.missing),
          String(c.history.ranTwice),
          `${num(c.drainSeconds, 1)} s after the last second (${num(c.spanSeconds, 1)} s after the first)`,
        ],
      ],
    ),
  );
  out.push('');
}

/** Section 7, between its markers. */
export function secondPrecisionSection(r: SecondPrecisionResult | string, context: { quick: boolean; date: string }) {
  const out: string[] = [SECOND_PRECISION_START, SECOND_PRECISION_HEADING, ''];
  if (typeof r === 'string') {
    out.push(r, '', SECOND_PRECISION_END);
    return out.join('\n');
  }
  out.push(
    `Measured on ${context.date}${context.quick ? ' in QUICK mode (BENCH_QUICK=1): small sizes, short window, figures not representative' : ''}, ` +
      `at commit ${r.commit}. sked's real stacks deployed with cdklocal under a throwaway stage (deploy took ` +
      `${num(r.deploySeconds, 0)} s, destroyed afterwards); the worker's event source mapping as the local stage ` +
      `configures it (batch size ${r.batchSize}, maximum concurrency ${r.maxConcurrency}). Jobs are created through ` +
      "API Gateway with sked's typed client, so the API's first tick runs as it would for a user.",
  );
  out.push('');
  out.push(
    `**What the local scheduler did.** AWS invokes a schedule whose FlexibleTimeWindow is OFF "within the minute" ` +
      'after its time, not at it; the local scheduler fires at the time itself unless told otherwise. This section ' +
      `runs its own local scheduler with \`invocationSpreadSeconds: ${r.spreadSeconds}\`: each delivery, the ` +
      'minute-precision occurrences and the second-precision ticks alike, waits a uniform draw from ' +
      `[0, ${r.spreadSeconds}) s (the target still sees the occurrence's own time as \`<aws.scheduler.scheduled-time>\`). ` +
      "It follows only a group of its own: the stage's API and reconcile functions are pointed at a " +
      '`sked-self-scheduled-...` schedule group, which the schedulers of test runs sharing the emulator leave alone ' +
      "(they would deliver every occurrence a second time, on the dot), and reconcile's rule is disabled as in 4b. " +
      'Delays it drew, delivery minus scheduled time:' +
      (typeof r.window === 'string'
        ? ' not measured.'
        : ` minute-precision occurrences ${s(r.window.minuteCounts.scheduler.delay?.min)} / ` +
          `**${s(r.window.minuteCounts.scheduler.delay?.median)}** / ${s(r.window.minuteCounts.scheduler.delay?.max)} s ` +
          `(${r.window.minuteCounts.scheduler.count} deliveries), ticks ` +
          `${s(r.window.secondCounts.scheduler.delay?.min)} / **${s(r.window.secondCounts.scheduler.delay?.median)}** / ` +
          `${s(r.window.secondCounts.scheduler.delay?.max)} s (${r.window.secondCounts.scheduler.count} deliveries).`),
  );
  out.push('');
  if (typeof r.window === 'string') out.push(`**The window**: ${r.window}`, '');
  else windowPart(out, r.window, r.spreadSeconds);
  if (typeof r.scale === 'string') out.push(`**The scale test**: ${r.scale}`, '');
  else scalePart(out, r.scale);
  out.push(
    'How to read the second-precision lags: a tick puts each occurrence on the queue with the DelaySeconds that ' +
      `makes it visible between ${ARRIVAL_LEAD_SECONDS} and ${ARRIVAL_LEAD_SECONDS + 1} s before its time ` +
      '(`ARRIVAL_LEAD_SECONDS` in lib/domain/tick.ts), and the worker holds one that comes early until its second, so ' +
      "the lag is how late after its second the event source mapping hands it over. The emulator's mapping polls " +
      'again at once while it finds messages but waits up to 1 s on a queue that had none, which is why sparse ' +
      'occurrences (the window: one every few seconds) can lag more than a steady stream (the scale test). The ' +
      "minute path's lag is the delivery delay itself.",
  );
  out.push('');

  const rows: string[][] = [];
  if (typeof r.window !== 'string') {
    rows.push(['window, minute precision', ...perJob(r.window.minuteCounts, ran(r.window.minute))]);
    rows.push([
      'window, second precision',
      ...perJob(r.window.secondCounts, ran(r.window.secondCron) + ran(r.window.interval)),
    ]);
  }
  if (typeof r.scale !== 'string') rows.push(['scale test', ...perJob(r.scale.counts, ran(r.scale.history))]);
  if (rows.length > 0) {
    out.push(
      "Per job, as observed: EventBridge invocations are the local scheduler's deliveries; ticks handled and " +
        "occurrences enqueued come from the worker's log (its tick lines); SQS messages sent to the jobs queue are " +
        "the API's first ticks + the scheduler's deliveries + the occurrences ticks enqueued (an occurrence put back " +
        'until due changes its visibility, it sends nothing); worker invocations are the distinct Lambda request ' +
        "ids in the worker's log lines about these jobs.",
    );
    out.push('');
    out.push(
      table(
        [
          'jobs',
          'EventBridge invocations (per job)',
          'ticks handled (per job)',
          'SQS messages (per job)',
          'worker invocations',
          'put back early / duplicates',
        ],
        rows,
      ),
    );
    out.push('');
  }
  out.push(secondPrecisionTarget(r).replace(SECOND_PRECISION_TARGET_PREFIX, 'Target:'));
  out.push('');
  out.push(
    'Run only this section: `BENCH_ONLY=second-precision npm run bench` (about 25 minutes: a 12-minute window, then ' +
      'up to 5 minutes waiting for a 5-minute boundary, the creates and the fire minute); `BENCH_QUICK=1` shrinks ' +
      'it. It rewrites only this section and its line under Targets.',
  );
  out.push('');
  out.push(SECOND_PRECISION_END);
  return out.join('\n');
}

/**
 * BENCHMARKS.md with section 7 replaced (or put before `## Targets` when absent) and its target line replaced (or
 * added at the end of the targets list).
 */
export function spliceSecondPrecision(existing: string, section: string, target: string): string {
  let text = existing;
  const start = text.indexOf(SECOND_PRECISION_START);
  const end = text.indexOf(SECOND_PRECISION_END);
  if (start >= 0 && end > start) {
    text = text.slice(0, start) + section + text.slice(end + SECOND_PRECISION_END.length);
  } else {
    const targets = text.indexOf('\n## Targets');
    text =
      targets >= 0 ? `${text.slice(0, targets + 1)}${section}\n\n${text.slice(targets + 1)}` : `${text}\n${section}\n`;
  }
  const lines = text.split('\n');
  const existingTarget = lines.findIndex((line) => line.startsWith(SECOND_PRECISION_TARGET_PREFIX));
  if (existingTarget >= 0) {
    lines[existingTarget] = target;
  } else {
    const heading = lines.indexOf('## Targets');
    if (heading >= 0) {
      let at = heading + 1;
      while (lines[at] === '') at += 1;
      while (lines[at]?.startsWith('- ') === true) at += 1;
      lines.splice(at, 0, target);
    }
  }
  return lines.join('\n');
}
