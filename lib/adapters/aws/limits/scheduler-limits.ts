import type {
  CreateScheduleCommandInput,
  CreateScheduleGroupCommandInput,
  DeleteScheduleCommandInput,
  DeleteScheduleGroupCommandInput,
  GetScheduleCommandInput,
  GetScheduleGroupCommandInput,
  UpdateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { integerIn, lengthIn, refuse, type LimitContext, type OperationRule, type ServiceRules } from './limit-rules';

const API = 'https://docs.aws.amazon.com/scheduler/latest/APIReference';
export const SCHEDULER_SOURCES = {
  createSchedule: `${API}/API_CreateSchedule.html`,
  updateSchedule: `${API}/API_UpdateSchedule.html`,
  createScheduleGroup: `${API}/API_CreateScheduleGroup.html`,
  flexibleTimeWindow: `${API}/API_FlexibleTimeWindow.html`,
  retryPolicy: `${API}/API_RetryPolicy.html`,
  target: `${API}/API_Target.html`,
  scheduleTypes: 'https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html',
} as const;

/**
 * How far in the past a recurring schedule's StartDate may lie. The API reference does not state it; the service
 * refuses with "The StartDate you specify cannot be earlier than 5 minutes ago".
 */
export const START_DATE_GRACE_MS = 5 * 60_000;
const NAME = /^[0-9a-zA-Z-_.]+$/;
const RATE_UNITS = ['minute', 'hour', 'day'];
const CRON_YEARS = [1970, 2199] as const;

function checkName(source: string, what: string, name: string | undefined): void {
  if (name === undefined) return;
  lengthIn(source, what, name, 1, 64);
  if (!NAME.test(name)) refuse(source, `${what} "${name}"`, 'only 0-9, a-z, A-Z, hyphen, underscore and period');
}

/** `at(yyyy-mm-ddThh:mm:ss)`: a one-time schedule. */
function checkAt(expression: string): void {
  const source = SCHEDULER_SOURCES.scheduleTypes;
  const match = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(expression);
  if (match === null) refuse(source, `expression ${expression}`, 'at(yyyy-mm-ddThh:mm:ss)');
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const real =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  if (!real) refuse(source, `expression ${expression}`, 'a real date and time');
}

/** `rate(value unit)`: a positive whole value, and a singular unit for 1, a plural one above. */
function checkRate(expression: string): void {
  const source = SCHEDULER_SOURCES.scheduleTypes;
  const match = /^rate\((\d+) (minutes?|hours?|days?)\)$/.exec(expression);
  if (match === null) refuse(source, `expression ${expression}`, 'rate(value unit), unit minute(s), hour(s) or day(s)');
  const value = Number(match[1]);
  const unit = match[2] ?? '';
  if (value < 1) refuse(source, `expression ${expression}`, 'a positive value');
  const singular = RATE_UNITS.includes(unit);
  if (value === 1 && !singular) refuse(source, `expression ${expression}`, 'a singular unit for the value 1');
  if (value > 1 && singular) refuse(source, `expression ${expression}`, 'a plural unit for values above 1');
}

/** `cron(minutes hours day-of-month month day-of-week year)`: six fields, one of the day fields `?`. */
function checkCron(expression: string): void {
  const source = SCHEDULER_SOURCES.scheduleTypes;
  const match = /^cron\((.*)\)$/.exec(expression);
  const fields = (match?.[1] ?? '').trim().split(/\s+/);
  if (match === null || fields.length !== 6) refuse(source, `expression ${expression}`, 'cron() of six fields');
  const [, , dayOfMonth, , dayOfWeek, year = ''] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    refuse(source, `expression ${expression}`, 'a ? in exactly one of day-of-month and day-of-week');
  }
  for (const text of year.match(/\d+/g) ?? []) {
    const value = Number(text);
    // In the year field a number after / is an increment, not a year.
    if (year.includes(`/${text}`)) continue;
    if (value < CRON_YEARS[0] || value > CRON_YEARS[1]) {
      refuse(source, `expression ${expression}`, `years from ${CRON_YEARS[0]} to ${CRON_YEARS[1]}`);
    }
  }
}

type ScheduleInput = CreateScheduleCommandInput | UpdateScheduleCommandInput;

function checkSchedule(input: ScheduleInput, context: LimitContext, source: string): void {
  checkName(source, 'Name', input.Name);
  checkName(source, 'GroupName', input.GroupName);
  if (input.Description !== undefined) lengthIn(source, 'Description', input.Description, 0, 512);
  if (input.ScheduleExpressionTimezone !== undefined) {
    lengthIn(source, 'ScheduleExpressionTimezone', input.ScheduleExpressionTimezone, 1, 50);
  }

  const expression = input.ScheduleExpression ?? '';
  lengthIn(source, 'ScheduleExpression', expression, 1, 256);
  if (expression.startsWith('at(')) checkAt(expression);
  else if (expression.startsWith('rate(')) checkRate(expression);
  else if (expression.startsWith('cron(')) checkCron(expression);
  else refuse(SCHEDULER_SOURCES.scheduleTypes, `expression ${expression}`, 'at(...), rate(...) or cron(...)');

  // Start and end dates only apply to recurring schedules; Scheduler ignores them for at().
  if (!expression.startsWith('at(')) {
    const start = input.StartDate?.getTime();
    const earliest = context.now() - START_DATE_GRACE_MS;
    if (start !== undefined && start < earliest) {
      const ago = Math.round((context.now() - start) / 1000);
      refuse(
        source,
        `recurring schedule StartDate ${input.StartDate?.toISOString()} (${ago} s ago)`,
        'not earlier than 5 minutes ago',
      );
    }
    const end = input.EndDate?.getTime();
    if (start !== undefined && end !== undefined && end <= start) {
      refuse(
        source,
        `EndDate ${input.EndDate?.toISOString()} not after StartDate ${input.StartDate?.toISOString()}`,
        'EndDate after StartDate',
      );
    }
  }

  const window = input.FlexibleTimeWindow;
  const windowSource = SCHEDULER_SOURCES.flexibleTimeWindow;
  if (window?.Mode !== 'OFF' && window?.Mode !== 'FLEXIBLE') {
    refuse(windowSource, `FlexibleTimeWindow mode ${String(window?.Mode)}`, 'OFF or FLEXIBLE');
  }
  if (window.Mode === 'FLEXIBLE' && window.MaximumWindowInMinutes === undefined) {
    refuse(windowSource, 'a FLEXIBLE window without MaximumWindowInMinutes', 'a maximum window');
  }
  if (window.MaximumWindowInMinutes !== undefined) {
    integerIn(windowSource, 'MaximumWindowInMinutes', window.MaximumWindowInMinutes, 1, 1440);
  }

  const retry = input.Target?.RetryPolicy;
  const retrySource = SCHEDULER_SOURCES.retryPolicy;
  if (retry?.MaximumEventAgeInSeconds !== undefined) {
    integerIn(retrySource, 'MaximumEventAgeInSeconds', retry.MaximumEventAgeInSeconds, 60, 86_400);
  }
  if (retry?.MaximumRetryAttempts !== undefined) {
    integerIn(retrySource, 'MaximumRetryAttempts', retry.MaximumRetryAttempts, 0, 185);
  }
  // The API reference gives the target input a minimum length only.
  if (input.Target?.Input !== undefined && input.Target.Input.length === 0) {
    refuse(SCHEDULER_SOURCES.target, 'an empty target Input', 'at least 1 character');
  }
}

const createSchedule: OperationRule<CreateScheduleCommandInput> = (input, context) => {
  checkSchedule(input, context, SCHEDULER_SOURCES.createSchedule);
};

const updateSchedule: OperationRule<UpdateScheduleCommandInput> = (input, context) => {
  checkSchedule(input, context, SCHEDULER_SOURCES.updateSchedule);
};

const scheduleNames: OperationRule<GetScheduleCommandInput | DeleteScheduleCommandInput> = (input) => {
  checkName(SCHEDULER_SOURCES.createSchedule, 'Name', input.Name);
  checkName(SCHEDULER_SOURCES.createSchedule, 'GroupName', input.GroupName);
};

const groupName: OperationRule<
  CreateScheduleGroupCommandInput | GetScheduleGroupCommandInput | DeleteScheduleGroupCommandInput
> = (input) => {
  checkName(SCHEDULER_SOURCES.createScheduleGroup, 'Name', input.Name);
};

export const SCHEDULER_RULES: ServiceRules = {
  service: 'Scheduler',
  clientName: 'SchedulerClient',
  operations: {
    CreateSchedule: createSchedule,
    UpdateSchedule: updateSchedule,
    GetSchedule: scheduleNames,
    DeleteSchedule: scheduleNames,
    CreateScheduleGroup: groupName,
    GetScheduleGroup: groupName,
    DeleteScheduleGroup: groupName,
  },
};
