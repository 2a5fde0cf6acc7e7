import { describe, expect, it } from 'vitest';
import {
  type AlarmRule,
  type AlarmState,
  type Datapoint,
  evaluateAlarm,
  evaluationRange,
  type TreatMissingData,
} from '../../../scripts/local/alarms/alarm-evaluation';

// The local alarm evaluator's rules, checked against the examples of "How alarm state is evaluated when data is
// missing" in the CloudWatch user guide: 5 datapoints retrieved for 3 evaluation periods, 0 within the threshold,
// X breaching, - missing, oldest first.

const NOW = new Date('2026-02-12T01:00:30Z');
const FIVE_MINUTES = 300;

function rule(overrides: Partial<AlarmRule> = {}): AlarmRule {
  return {
    periodSeconds: FIVE_MINUTES,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    threshold: 3,
    comparison: 'GreaterThanThreshold',
    treatMissingData: 'missing',
    statistic: 'Maximum',
    ...overrides,
  };
}

/** Datapoints for a pattern such as '0 - X - X' over the evaluation range at NOW (X is 5, 0 is 0). */
function pattern(alarm: AlarmRule, points: string): Datapoint[] {
  const periods = evaluationRange(alarm, NOW);
  return points.split(' ').flatMap((point, index) => {
    const start = periods[index];
    if (start === undefined) throw new Error(`pattern ${points} is longer than the evaluation range`);
    return point === '-' ? [] : [{ start, value: point === 'X' ? 5 : 0 }];
  });
}

function stateFor(alarm: AlarmRule, points: string, current: AlarmState = 'OK'): AlarmState {
  return evaluateAlarm(alarm, pattern(alarm, points), current, NOW).state;
}

const MODES: readonly TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];
const KEEP = 'keep';

describe('a 3 out of 3 alarm', () => {
  const table: readonly [string, readonly (AlarmState | typeof KEEP)[]][] = [
    ['0 - X - X', ['OK', 'OK', 'OK', 'OK']],
    ['0 - - - -', ['OK', 'OK', 'OK', 'OK']],
    ['- - - - -', ['INSUFFICIENT_DATA', KEEP, 'ALARM', 'OK']],
    ['0 X X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['- - - - X', ['INSUFFICIENT_DATA', KEEP, 'ALARM', 'OK']],
    ['X - - - -', ['ALARM', KEEP, 'ALARM', 'OK']],
  ];
  for (const [points, expected] of table) {
    MODES.forEach((mode, index) => {
      const want = expected[index];
      it(`goes to ${want === KEEP ? 'no new state' : want} for ${points} with missing data treated as ${mode}`, () => {
        // Prepare
        const alarm = rule({ treatMissingData: mode });

        // Act
        const fromOk = stateFor(alarm, points, 'OK');
        const fromAlarm = stateFor(alarm, points, 'ALARM');

        // Assess
        if (want === KEEP) {
          expect([fromOk, fromAlarm]).toEqual(['OK', 'ALARM']);
        } else {
          expect([fromOk, fromAlarm]).toEqual([want, want]);
        }
      });
    });
  }
});

describe('a 2 out of 3 alarm', () => {
  const table: readonly [string, readonly (AlarmState | typeof KEEP)[]][] = [
    ['0 - X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 0 X 0 X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 - X - -', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - - 0', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - - X', ['INSUFFICIENT_DATA', KEEP, 'ALARM', 'OK']],
  ];
  for (const [points, expected] of table) {
    MODES.forEach((mode, index) => {
      const want = expected[index];
      it(`goes to ${want === KEEP ? 'no new state' : want} for ${points} with missing data treated as ${mode}`, () => {
        // Prepare
        const alarm = rule({ datapointsToAlarm: 2, treatMissingData: mode });

        // Act
        const fromOk = stateFor(alarm, points, 'OK');
        const fromInsufficient = stateFor(alarm, points, 'INSUFFICIENT_DATA');

        // Assess
        if (want === KEEP) {
          expect([fromOk, fromInsufficient]).toEqual(['OK', 'INSUFFICIENT_DATA']);
        } else {
          expect([fromOk, fromInsufficient]).toEqual([want, want]);
        }
      });
    });
  }
});

describe('the evaluation range', () => {
  it('ends with the period the evaluation falls in, aligned to the period length', () => {
    // Act
    const periods = evaluationRange({ periodSeconds: 60, evaluationPeriods: 1 }, NOW);

    // Assess
    expect(periods.map((start) => start.toISOString())).toEqual([
      '2026-02-12T00:58:00.000Z',
      '2026-02-12T00:59:00.000Z',
      '2026-02-12T01:00:00.000Z',
    ]);
  });

  it('ignores datapoints outside it', () => {
    // Prepare
    const alarm = rule({ periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 1, threshold: 1 });
    const old = { start: new Date('2026-02-12T00:50:00Z'), value: 9 };

    // Act
    const evaluation = evaluateAlarm(alarm, [old], 'OK', NOW);

    // Assess
    expect(evaluation.state).toBe('INSUFFICIENT_DATA');
  });
});

describe('comparison operators', () => {
  const cases: readonly [AlarmRule['comparison'], number, AlarmState][] = [
    ['GreaterThanOrEqualToThreshold', 1, 'ALARM'],
    ['GreaterThanThreshold', 1, 'OK'],
    ['LessThanThreshold', 0.5, 'ALARM'],
    ['LessThanOrEqualToThreshold', 1, 'ALARM'],
    ['LessThanOrEqualToThreshold', 1.5, 'OK'],
  ];
  for (const [comparison, value, expected] of cases) {
    it(`${comparison} against 1 goes to ${expected} for ${value}`, () => {
      // Prepare
      const alarm = rule({ periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 1, threshold: 1, comparison });
      const [now] = evaluationRange(alarm, NOW).slice(-1);

      // Act
      const evaluation = evaluateAlarm(alarm, [{ start: now ?? NOW, value }], 'OK', NOW);

      // Assess
      expect(evaluation.state).toBe(expected);
    });
  }
});

describe('reasons', () => {
  const depth = rule({
    periodSeconds: 60,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    threshold: 1,
    comparison: 'GreaterThanOrEqualToThreshold',
    treatMissingData: 'notBreaching',
  });
  const minute = new Date('2026-02-12T01:00:00Z');

  it('words a crossing as AWS does', () => {
    // Act
    const evaluation = evaluateAlarm(depth, [{ start: minute, value: 1 }], 'OK', NOW);

    // Assess
    expect(evaluation.reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [1.0 (12/02/26 01:00:00)] was greater than or equal to the ' +
        'threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).',
    );
  });

  it('words a return to OK as AWS does', () => {
    // Act
    const evaluation = evaluateAlarm(depth, [{ start: minute, value: 0 }], 'ALARM', NOW);

    // Assess
    expect(evaluation.state).toBe('OK');
    expect(evaluation.reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [0.0 (12/02/26 01:00:00)] was not greater than or equal to ' +
        'the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition).',
    );
  });

  it('says when missing datapoints were treated as within the threshold', () => {
    // Act
    const evaluation = evaluateAlarm(depth, [], 'ALARM', NOW);

    // Assess
    expect(evaluation.state).toBe('OK');
    expect(evaluation.reason).toBe(
      'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as ' +
        '[NonBreaching].',
    );
  });

  it('names the real datapoints beside the missing ones filled in', () => {
    // Prepare
    const alarm = rule({ treatMissingData: 'notBreaching' });

    // Act
    const evaluation = evaluateAlarm(alarm, pattern(alarm, '- - - - X'), 'INSUFFICIENT_DATA', NOW);

    // Assess
    expect(evaluation.state).toBe('OK');
    expect(evaluation.reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [5.0 (12/02/26 01:00:00)] was greater than the threshold ' +
        '(3.0), and 2 missing datapoints were treated as [NonBreaching] (minimum 1 datapoint for ALARM -> OK ' +
        'transition).',
    );
  });

  it('lists the breaching datapoints of an M out of N crossing, newest first', () => {
    // Prepare
    const alarm = rule({ datapointsToAlarm: 2 });

    // Act
    const evaluation = evaluateAlarm(alarm, pattern(alarm, '0 0 X 0 X'), 'OK', NOW);

    // Assess
    expect(evaluation.reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [5.0 (12/02/26 01:00:00), 5.0 (12/02/26 00:50:00)] were ' +
        'greater than the threshold (3.0) (minimum 2 datapoints for OK -> ALARM transition).',
    );
  });

  it('records the evaluated datapoints in the reason data', () => {
    // Act
    const evaluation = evaluateAlarm(depth, [{ start: minute, value: 1 }], 'OK', NOW);

    // Assess
    expect(JSON.parse(evaluation.reasonData)).toEqual({
      version: '1.0',
      queryDate: '2026-02-12T01:00:30.000+0000',
      startDate: '2026-02-12T00:58:00.000+0000',
      statistic: 'Maximum',
      period: 60,
      recentDatapoints: [1],
      threshold: 1,
      evaluatedDatapoints: [{ timestamp: '2026-02-12T01:00:00.000+0000', value: 1 }],
    });
  });
});
