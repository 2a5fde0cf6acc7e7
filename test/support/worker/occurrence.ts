// The occurrence most worker tests deliver: the 09:00 occurrence of `aJob()` (job-1) on 1 January 2030, handled
// five seconds after its scheduled time by an invocation with a minute left.

export const NOW = '2030-01-01T09:00:05.000Z';
export const AT = '2030-01-01T09:00:00Z';
export const RUN_ID = '20300101T090000Z';
export const OCCURRENCE = { jobId: 'job-1', runId: RUN_ID, scheduledTime: new Date(AT), kind: 'schedule' as const };
export const invocation = { remainingMs: () => 60_000 };

/** The attributes the SQS adapter writes on a DLQ copy of the occurrence, which a redrive keeps. */
export function redriveAttributes(redrives = 0): Record<string, string> {
  return {
    'sked-reason': 'exhausted',
    'sked-run-id': RUN_ID,
    'sked-scheduled-time': new Date(AT).toISOString(),
    'sked-redrives': String(redrives),
  };
}
