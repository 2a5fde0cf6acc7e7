import { describe, expect, it } from 'vitest';
import { checkAwsLimits } from '../../../lib/adapters/aws/limits';

const API = 'https://docs.aws.amazon.com/scheduler/latest/APIReference';
const TYPES = 'https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html';
const NOW = Date.parse('2030-06-01T12:00:00Z');

function refusal(commandName: string, input: unknown): string | undefined {
  try {
    checkAwsLimits({ clientName: 'SchedulerClient', commandName, input }, { now: () => NOW });
    return undefined;
  } catch (error) {
    return String(error);
  }
}

const schedule = (extra: Record<string, unknown> = {}) => ({
  Name: 'job-1',
  GroupName: 'sked',
  ScheduleExpression: 'rate(5 minutes)',
  FlexibleTimeWindow: { Mode: 'OFF' },
  Target: { Arn: 'arn:aws:sqs:us-east-1:000000000000:q', RoleArn: 'arn:aws:iam::000000000000:role/r', Input: '{}' },
  ...extra,
});
const create = (extra?: Record<string, unknown>) => refusal('CreateScheduleCommand', schedule(extra));

describe('the AWS limits guard on EventBridge Scheduler', () => {
  it('lets a well-formed schedule through', () => {
    expect(create()).toBeUndefined();
    expect(refusal('UpdateScheduleCommand', schedule())).toBeUndefined();
  });

  it('holds names and group names to 1-64 characters of [0-9a-zA-Z-_.]', () => {
    expect(create({ Name: 'job:1' })).toBe(
      `AwsLimitError: Scheduler CreateSchedule: Name "job:1"; only 0-9, a-z, A-Z, hyphen, underscore and period (${API}/API_CreateSchedule.html)`,
    );
    expect(create({ GroupName: 'g'.repeat(65) })).toBe(
      `AwsLimitError: Scheduler CreateSchedule: GroupName of 65 characters; 1 to 64 characters (${API}/API_CreateSchedule.html)`,
    );
    expect(refusal('CreateScheduleGroupCommand', { Name: '' })).toBe(
      `AwsLimitError: Scheduler CreateScheduleGroup: Name of 0 characters; 1 to 64 characters (${API}/API_CreateScheduleGroup.html)`,
    );
  });

  it('refuses a recurring schedule starting more than 5 minutes ago, with the injected clock', () => {
    expect(create({ StartDate: new Date(NOW - 5 * 60_000) })).toBeUndefined();
    expect(create({ StartDate: new Date(NOW - 3_600_000) })).toBe(
      `AwsLimitError: Scheduler CreateSchedule: recurring schedule StartDate 2030-06-01T11:00:00.000Z (3600 s ago); not earlier than 5 minutes ago (${API}/API_CreateSchedule.html)`,
    );
    expect(create({ ScheduleExpression: 'cron(0 9 ? * MON-FRI *)', StartDate: new Date(NOW - 3_600_000) })).toMatch(
      /not earlier than 5 minutes ago/,
    );
  });

  it('ignores start and end dates of one-time schedules, as Scheduler does', () => {
    expect(
      create({ ScheduleExpression: 'at(2030-06-02T09:00:00)', StartDate: new Date(0), EndDate: new Date(0) }),
    ).toBeUndefined();
  });

  it('refuses an EndDate that is not after the StartDate', () => {
    expect(create({ StartDate: new Date(NOW + 60_000), EndDate: new Date(NOW + 60_000) })).toBe(
      `AwsLimitError: Scheduler CreateSchedule: EndDate 2030-06-01T12:01:00.000Z not after StartDate 2030-06-01T12:01:00.000Z; EndDate after StartDate (${API}/API_CreateSchedule.html)`,
    );
  });

  it('holds the flexible time window to OFF, or FLEXIBLE with 1 to 1,440 minutes', () => {
    const source = `${API}/API_FlexibleTimeWindow.html`;
    expect(create({ FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 1440 } })).toBeUndefined();
    expect(create({ FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 1441 } })).toBe(
      `AwsLimitError: Scheduler CreateSchedule: MaximumWindowInMinutes 1,441; from 1 to 1,440 (${source})`,
    );
    expect(create({ FlexibleTimeWindow: { Mode: 'FLEXIBLE' } })).toBe(
      `AwsLimitError: Scheduler CreateSchedule: a FLEXIBLE window without MaximumWindowInMinutes; a maximum window (${source})`,
    );
    expect(create({ FlexibleTimeWindow: { Mode: 'ON' } })).toBe(
      `AwsLimitError: Scheduler CreateSchedule: FlexibleTimeWindow mode ON; OFF or FLEXIBLE (${source})`,
    );
  });

  it.each([
    ['at(2030-02-30T09:00:00)', 'a real date and time'],
    ['at(2030-06-02 09:00)', 'at(yyyy-mm-ddThh:mm:ss)'],
    ['rate(1 minutes)', 'a singular unit for the value 1'],
    ['rate(5 minute)', 'a plural unit for values above 1'],
    ['rate(0 minutes)', 'a positive value'],
    ['rate(5 weeks)', 'rate(value unit), unit minute(s), hour(s) or day(s)'],
    ['cron(0 9 * * ?)', 'cron() of six fields'],
    ['cron(0 9 * * MON *)', 'a ? in exactly one of day-of-month and day-of-week'],
    ['cron(0 9 ? * MON 2200)', 'years from 1970 to 2199'],
    ['every(5 minutes)', 'at(...), rate(...) or cron(...)'],
  ])('refuses the expression %s', (expression, limit) => {
    expect(create({ ScheduleExpression: expression })).toBe(
      `AwsLimitError: Scheduler CreateSchedule: expression ${expression}; ${limit} (${TYPES})`,
    );
  });

  it.each([
    'rate(1 day)',
    'rate(2 hours)',
    'cron(0/5 * ? * * *)',
    'cron(0 9 1 * ? 2030-2035)',
    'cron(0 9 ? * * 2030/2)',
  ])('lets the expression %s through', (expression) => {
    expect(create({ ScheduleExpression: expression })).toBeUndefined();
  });

  it('holds the retry policy to 60-86,400 seconds and 0-185 attempts', () => {
    const target = (RetryPolicy: Record<string, number>) => ({ Target: { ...schedule().Target, RetryPolicy } });
    const source = `${API}/API_RetryPolicy.html`;
    expect(create(target({ MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 185 }))).toBeUndefined();
    expect(create(target({ MaximumEventAgeInSeconds: 59 }))).toBe(
      `AwsLimitError: Scheduler CreateSchedule: MaximumEventAgeInSeconds 59; from 60 to 86,400 (${source})`,
    );
    expect(create(target({ MaximumRetryAttempts: 186 }))).toBe(
      `AwsLimitError: Scheduler CreateSchedule: MaximumRetryAttempts 186; from 0 to 185 (${source})`,
    );
  });

  it('holds the description to 512 characters and the target input to at least one', () => {
    expect(refusal('UpdateScheduleCommand', schedule({ Description: 'd'.repeat(513) }))).toBe(
      `AwsLimitError: Scheduler UpdateSchedule: Description of 513 characters; at most 512 characters (${API}/API_UpdateSchedule.html)`,
    );
    expect(create({ Target: { ...schedule().Target, Input: '' } })).toBe(
      `AwsLimitError: Scheduler CreateSchedule: an empty target Input; at least 1 character (${API}/API_Target.html)`,
    );
  });
});
