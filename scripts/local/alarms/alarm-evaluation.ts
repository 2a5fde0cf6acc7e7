/**
 * LOCAL ONLY. How CloudWatch decides a metric alarm's state from its datapoints, as a pure function: the rules of
 * "Alarm evaluation" and "Configuring how CloudWatch alarms treat missing data" in the CloudWatch user guide
 * (period, evaluation periods, datapoints to alarm, comparison, TreatMissingData) and reasons worded as AWS words them.
 * The local alarm evaluator (local-alarms.ts) feeds it; nothing deployed uses it.
 */

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export type TreatMissingData = 'missing' | 'notBreaching' | 'breaching' | 'ignore';
export type ThresholdComparison =
  'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';

/** The parts of a metric alarm's definition that decide its state. */
export interface AlarmRule {
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  /** M of an "M out of N" alarm; AWS's default is evaluationPeriods. */
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparison: ThresholdComparison;
  readonly treatMissingData: TreatMissingData;
  /** Statistic or extended statistic; only reported. */
  readonly statistic: string;
}

/** One aggregated value of the alarm's metric: `start` is the start of its period. */
export interface Datapoint {
  readonly start: Date;
  readonly value: number;
}

export interface AlarmEvaluation {
  /** The state the alarm should be in; the current state when it is to be kept. */
  readonly state: AlarmState;
  readonly reason: string;
  /** AWS's StateReasonData document (JSON). */
  readonly reasonData: string;
}

/**
 * How many periods CloudWatch looks back. AWS retrieves "a higher number of data points than specified by Evaluation
 * Periods", the exact number depending on the period; its examples retrieve 5 for 3 evaluation periods. Modelled as
 * evaluation periods + 2.
 */
export const EXTRA_PERIODS_IN_RANGE = 2;

/**
 * The periods an evaluation at `now` looks at, oldest first. Periods are aligned to multiples of their length since
 * the epoch (as CloudWatch buckets datapoints), and the newest is the one `now` falls in, still incomplete: locally an
 * alarm reacts within one evaluation instead of waiting for the period to close and the metric to arrive.
 */
export function evaluationRange(rule: Pick<AlarmRule, 'periodSeconds' | 'evaluationPeriods'>, now: Date): Date[] {
  const periodMs = rule.periodSeconds * 1000;
  const newest = Math.floor(now.getTime() / periodMs) * periodMs;
  const count = rule.evaluationPeriods + EXTRA_PERIODS_IN_RANGE;
  return Array.from({ length: count }, (_, index) => new Date(newest - (count - 1 - index) * periodMs));
}

interface Slot {
  readonly start: Date;
  readonly value: number | undefined;
}

/** Decides the alarm's state from the datapoints in its evaluation range, as CloudWatch does at `now`. */
export function evaluateAlarm(
  rule: AlarmRule,
  datapoints: readonly Datapoint[],
  currentState: AlarmState,
  now: Date,
): AlarmEvaluation {
  const periods = evaluationRange(rule, now);
  const values = new Map(datapoints.map((point) => [point.start.getTime(), point.value]));
  const slots: Slot[] = periods.map((start) => ({ start, value: values.get(start.getTime()) }));
  const real = slots.filter((slot): slot is Datapoint => slot.value !== undefined);
  const n = rule.evaluationPeriods;
  const m = Math.min(rule.datapointsToAlarm, n);
  const data = (evaluated: readonly Datapoint[]) => reasonData(rule, periods, real, evaluated, now);
  const breaches = (point: Datapoint) => isBreaching(rule, point.value);

  // Enough real datapoints: the most recent N decide, whatever the missing-data setting.
  if (real.length >= n) return byDatapoints(rule, real.slice(-n), m, data);

  if (rule.treatMissingData === 'breaching' || rule.treatMissingData === 'notBreaching') {
    return byFilledDatapoints(rule, real, n, m, data);
  }

  // missing and ignore: only the real datapoints count.
  if (real.length === 0) {
    if (rule.treatMissingData === 'ignore') return keep(currentState, data([]));
    return insufficient(slots.length, data([]));
  }
  const breaching = real.filter(breaches);
  if (breaching.length >= m || real.some((point) => !breaches(point))) {
    return byDatapoints(rule, real, m, data);
  }
  // Every real datapoint breaches, but fewer than M of them. CloudWatch alarms when the oldest of them is at least M
  // periods old and nothing newer is non-breaching; `ignore` keeps the state instead.
  if (rule.treatMissingData === 'ignore') return keep(currentState, data(real));
  const oldest = breaching[0];
  const age =
    oldest === undefined
      ? 0
      : slots.length - slots.findIndex((slot) => slot.start.getTime() === oldest.start.getTime());
  if (age >= m) {
    return {
      state: 'ALARM',
      reason: thresholdReason(rule, {
        shown: breaching,
        breaching: true,
        outOf: real.length,
        target: 'ALARM',
        minimum: m,
      }),
      reasonData: data(real),
    };
  }
  return insufficient(slots.length - real.length, data(real));
}

function byDatapoints(
  rule: AlarmRule,
  evaluated: readonly Datapoint[],
  m: number,
  data: (evaluated: readonly Datapoint[]) => string,
): AlarmEvaluation {
  const breaching = evaluated.filter((point) => isBreaching(rule, point.value));
  if (breaching.length >= m) {
    return {
      state: 'ALARM',
      reason: thresholdReason(rule, {
        shown: breaching,
        breaching: true,
        outOf: evaluated.length,
        target: 'ALARM',
        minimum: m,
      }),
      reasonData: data(evaluated),
    };
  }
  const within = evaluated.filter((point) => !isBreaching(rule, point.value));
  return {
    state: 'OK',
    reason: thresholdReason(rule, {
      shown: within,
      breaching: false,
      outOf: evaluated.length,
      target: 'OK',
      minimum: rule.evaluationPeriods - m + 1,
    }),
    reasonData: data(evaluated),
  };
}

/** Fewer than N real datapoints, the rest filled in as breaching or not, as few of them as possible. */
function byFilledDatapoints(
  rule: AlarmRule,
  real: readonly Datapoint[],
  n: number,
  m: number,
  data: (evaluated: readonly Datapoint[]) => string,
): AlarmEvaluation {
  const filled = n - real.length;
  const fillBreaches = rule.treatMissingData === 'breaching';
  const treatedAs = fillBreaches ? 'Breaching' : 'NonBreaching';
  const breachingReal = real.filter((point) => isBreaching(rule, point.value));
  const breachingCount = breachingReal.length + (fillBreaches ? filled : 0);
  const state: AlarmState = breachingCount >= m ? 'ALARM' : 'OK';
  if (real.length === 0) {
    return {
      state,
      reason:
        `Threshold Crossed: no datapoints were received for ${plural(n, 'period')} and ` +
        `${plural(n, 'missing datapoint')} ${n === 1 ? 'was' : 'were'} treated as [${treatedAs}].`,
      reasonData: data([]),
    };
  }
  // The real datapoints are named as breaching when any is, so the reason says why the state is what it is.
  const named = breachingReal.length > 0;
  return {
    state,
    reason: thresholdReason(rule, {
      shown: named ? breachingReal : real,
      breaching: named,
      outOf: real.length,
      target: state,
      minimum: state === 'ALARM' ? m : n - m + 1,
      missingNote: `, and ${plural(filled, 'missing datapoint')} ${filled === 1 ? 'was' : 'were'} treated as [${treatedAs}]`,
    }),
    reasonData: data(real),
  };
}

function keep(currentState: AlarmState, reasonData: string): AlarmEvaluation {
  return { state: currentState, reason: 'Missing data is ignored: the alarm keeps its state.', reasonData };
}

function insufficient(unknown: number, reasonData: string): AlarmEvaluation {
  return {
    state: 'INSUFFICIENT_DATA',
    reason: `Insufficient Data: ${plural(unknown, 'datapoint')} ${unknown === 1 ? 'was' : 'were'} unknown.`,
    reasonData,
  };
}

export function isBreaching(rule: Pick<AlarmRule, 'comparison' | 'threshold'>, value: number): boolean {
  switch (rule.comparison) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= rule.threshold;
    case 'GreaterThanThreshold':
      return value > rule.threshold;
    case 'LessThanThreshold':
      return value < rule.threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= rule.threshold;
  }
}

const COMPARISON_WORDS: Readonly<Record<ThresholdComparison, string>> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

/**
 * AWS's wording: "Threshold Crossed: 1 out of the last 1 datapoints [1.0 (02/12/26 01:00:00)] was greater than or
 * equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition)."
 */
function thresholdReason(
  rule: AlarmRule,
  wording: {
    /** The datapoints named, and whether they are named as breaching (else as within the threshold). */
    readonly shown: readonly Datapoint[];
    readonly breaching: boolean;
    readonly outOf: number;
    /** The state the evaluation leads to: it names the transition and its minimum. */
    readonly target: 'OK' | 'ALARM';
    readonly minimum: number;
    readonly missingNote?: string;
  },
): string {
  const { shown, breaching, outOf, target, minimum, missingNote = '' } = wording;
  const list = newestFirst(shown)
    .map((point) => `${javaDouble(point.value)} (${reasonTime(point.start)})`)
    .join(', ');
  const verb = `${shown.length === 1 ? 'was' : 'were'}${breaching ? '' : ' not'}`;
  const transition = target === 'ALARM' ? 'OK -> ALARM' : 'ALARM -> OK';
  return (
    `Threshold Crossed: ${shown.length} out of the last ${outOf} datapoints [${list}] ${verb} ` +
    `${COMPARISON_WORDS[rule.comparison]} the threshold (${javaDouble(rule.threshold)})${missingNote} ` +
    `(minimum ${plural(minimum, 'datapoint')} for ${transition} transition).`
  );
}

/**
 * AWS's StateReasonData: `{"version":"1.0","queryDate":...,"startDate":...,"statistic":...,"period":...,
 * "recentDatapoints":[...],"threshold":...,"evaluatedDatapoints":[{"timestamp":...,"value":...}]}`.
 */
function reasonData(
  rule: AlarmRule,
  periods: readonly Date[],
  real: readonly Datapoint[],
  evaluated: readonly Datapoint[],
  now: Date,
): string {
  return JSON.stringify({
    version: '1.0',
    queryDate: reasonDataTime(now),
    ...(periods[0] !== undefined && { startDate: reasonDataTime(periods[0]) }),
    statistic: rule.statistic,
    period: rule.periodSeconds,
    recentDatapoints: real.map((point) => point.value),
    threshold: rule.threshold,
    evaluatedDatapoints: newestFirst(evaluated).map((point) => ({
      timestamp: reasonDataTime(point.start),
      value: point.value,
    })),
  });
}

function newestFirst(points: readonly Datapoint[]): Datapoint[] {
  return [...points].sort((a, b) => b.start.getTime() - a.start.getTime());
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Numbers as the reasons print them (Java's Double.toString for everyday values): 1.0, 0.5, 300.0. */
export function javaDouble(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** dd/MM/yy HH:mm:ss in UTC, as in AWS's reasons. */
export function reasonTime(at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${two(at.getUTCDate())}/${two(at.getUTCMonth() + 1)}/${two(at.getUTCFullYear() % 100)} ` +
    `${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())}`
  );
}

/** 2026-02-12T01:00:00.000+0000, as in AWS's StateReasonData. */
function reasonDataTime(at: Date): string {
  return at.toISOString().replace('Z', '+0000');
}
