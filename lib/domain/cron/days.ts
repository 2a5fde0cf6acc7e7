// Day matching and the calendar search over it, used by the fire-time evaluator.

import { range } from './fields';
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

// The longest each month can be (February in a leap year).
const LONGEST_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether the day-of-month rule can match in some year's `month` at all (30 February never can). */
function dayFitsMonth(spec: CronSpec, month: number): boolean {
  const longest = LONGEST_MONTH[month - 1] ?? 31;
  const dom = spec.dayOfMonth;
  if (dom.kind === 'days') return dom.days.some((day) => day <= longest);
  if (dom.kind === 'nearestWeekday') return dom.day <= longest;
  return true;
}

export interface YearMonth {
  readonly year: number;
  readonly month: number;
}

/**
 * The months from `from` to `to` (both inclusive) that a schedule's year and month lists name and whose length
 * leaves its day rule a chance, ascending. Years and months outside the lists are never visited, so a search
 * costs at most one step per month the schedule names, however rare its days are.
 */
export function* monthsToSearch(spec: CronSpec, from: YearMonth, to: YearMonth): Generator<YearMonth> {
  const months = spec.months.filter((month) => dayFitsMonth(spec, month));
  if (months.length === 0) return;
  for (const year of spec.years) {
    if (year < from.year) continue;
    if (year > to.year) return;
    for (const month of months) {
      if (year === from.year && month < from.month) continue;
      if (year === to.year && month > to.month) return;
      yield { year, month };
    }
  }
}

/** The days a schedule's day rules allow in one month, ascending: at most the month's length in checks. */
export function daysMatching(spec: CronSpec, year: number, month: number): number[] {
  const lastDay = daysInMonth(year, month);
  const dom = spec.dayOfMonth;
  const candidates = dom.kind === 'days' ? dom.days.filter((day) => day <= lastDay) : range(1, lastDay);
  return candidates.filter((day) => matchesDay(spec, year, month, day));
}
