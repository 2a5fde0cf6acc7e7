import { randomUUID } from 'node:crypto';

/** A resource name no other test (or earlier run against the same emulator) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
