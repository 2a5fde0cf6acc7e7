/** Compact, sortable form of an instant: 2030-01-01T09:00:00.000Z -> 20300101T090000Z. */
function compact(instant: Date): string {
  return instant
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The run id of a scheduled occurrence. It is derived from the scheduled time alone, so every delivery of the
 * same occurrence (Scheduler retries, SQS redeliveries) maps to the same ledger item (docs/design.md#the-occurrence-key).
 */
export function scheduledRunId(scheduledTime: Date): string {
  return compact(scheduledTime);
}

/** A run-now id: sorts by request time beside scheduled runs, unique by its random suffix. */
export function manualRunId(requestedAt: Date, random: string): string {
  return `${compact(requestedAt)}-m${random}`;
}
