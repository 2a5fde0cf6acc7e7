import type { PutEventsCommandInput, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { formatNumber, refuse, utf8Bytes, type OperationRule, type ServiceRules } from './limit-rules';

export const EVENTBRIDGE_SOURCES = {
  putEvents: 'https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html',
  entrySize: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html',
} as const;

const MAX_ENTRIES = 10;
const MAX_ENTRY_BYTES = 256 * 1024;
/** A given Time counts 14 bytes, whatever its value. */
const TIME_BYTES = 14;

/** An entry's size as EventBridge calculates it: Time, Source, DetailType, Detail and Resources. */
export function entryBytes(entry: PutEventsRequestEntry): number {
  return (
    (entry.Time !== undefined ? TIME_BYTES : 0) +
    utf8Bytes(entry.Source ?? '') +
    utf8Bytes(entry.DetailType ?? '') +
    utf8Bytes(entry.Detail ?? '') +
    (entry.Resources ?? []).reduce((sum, resource) => sum + utf8Bytes(resource), 0)
  );
}

const putEvents: OperationRule<PutEventsCommandInput> = (input) => {
  const entries = input.Entries ?? [];
  if (entries.length === 0) refuse(EVENTBRIDGE_SOURCES.putEvents, 'no entries', 'at least 1');
  if (entries.length > MAX_ENTRIES)
    refuse(EVENTBRIDGE_SOURCES.putEvents, `${entries.length} entries`, `at most ${MAX_ENTRIES}`);
  entries.forEach((entry, index) => {
    const bytes = entryBytes(entry);
    if (bytes > MAX_ENTRY_BYTES) {
      refuse(
        EVENTBRIDGE_SOURCES.entrySize,
        `entry ${index} of ${formatNumber(bytes)} bytes`,
        `at most 256 KB (${formatNumber(MAX_ENTRY_BYTES)} bytes)`,
      );
    }
  });
};

export const EVENTBRIDGE_RULES: ServiceRules = {
  service: 'EventBridge',
  clientName: 'EventBridgeClient',
  operations: { PutEvents: putEvents },
};
