import { describe, expect, it } from 'vitest';
import { redact } from '../../../lib/adapters/http/webhook-caller';

describe('redact', () => {
  it("removes a job's header values, and the bare token of a bearer header, from a receiver's answer", () => {
    // Prepare
    const body = 'denied: Bearer tok-0123456789 / token tok-0123456789 / key k-abcdefgh / short abc';

    // Act
    const redacted = redact(body, ['Bearer tok-0123456789', 'k-abcdefgh', 'abc']);

    // Assess
    expect(redacted).toBe('denied: **** / token **** / key **** / short abc');
  });
});
