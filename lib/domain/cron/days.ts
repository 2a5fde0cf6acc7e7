// Day matching, used by the fire-time evaluator.

import type { CronSpec } from './types';

/** Days in a month (month 1-12). */
export const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** AWS weekday (1 = Sunday ... 7 = Saturday) of a calendar date. */
export const awsWeekdayOf = (year: number, month: number, day: number): number =>
  new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;

function nearestWeekday(year: number, month: number, day: number, lastDay: number): number | undefined {
  if (day > lastDay) return undefined;
  const weekday = awsWeekdayOf(year, month, day);
  // Saturday moves to Friday, Sunday to Monday, never across the month's edge (Quartz's `W`).
  if (weekday === 7) return day === 1 ? 3 : day - 1;
  if (weekday === 1) return day === lastDay ? day - 2 : day + 1;
  return day;
}

/** Whether the day rules of a schedule allow a calendar date (month and year are checked by the caller). */
export function matchesDay(spec: CronSpec, year: number, month: number, day: number): boolean {
  const lastDay = daysInMonth(year, month);
  const weekday = awsWeekdayOf(year, month, day);
  const dom = spec.dayOfMonth;
  const domMatches =
    dom.kind === 'any' ||
    (dom.kind === 'days' && dom.days.includes(day)) ||
    (dom.kind === 'last' && day === lastDay) ||
    (dom.kind === 'lastWeekday' && day === nearestWeekday(year, month, lastDay, lastDay)) ||
    (dom.kind === 'nearestWeekday' && day === nearestWeekday(year, month, dom.day, lastDay));
  const dow = spec.dayOfWeek;
  const dowMatches =
    dow.kind === 'any' ||
    (dow.kind === 'days' && dow.days.includes(weekday)) ||
    (dow.kind === 'last' && weekday === dow.weekday && day + 7 > lastDay) ||
    (dow.kind === 'nth' && weekday === dow.weekday && Math.ceil(day / 7) === dow.nth);
  return domMatches && dowMatches;
}
