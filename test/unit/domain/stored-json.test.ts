import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { truncateResult } from '../../../lib/domain/worker-policies';
import { isStorableNumber, unstorableNumbers } from '../../../lib/schemas/stored-json';

describe('numbers sked stores in DynamoDB', () => {
  it('accepts what the marshaller and DynamoDB take, and names the path of each number they refuse', () => {
    // Act
    const found = unstorableNumbers({ ok: [0, -1.5, 9007199254740991, 1e-130], big: 1e16, deep: [{ tiny: -1e-131 }] });

    // Assess
    expect(found).toEqual([{ path: ['big'] }, { path: ['deep', 0, 'tiny'] }]);
    expect(isStorableNumber(Number.MAX_SAFE_INTEGER + 2)).toBe(false);
  });

  it("records a task's result that holds such numbers, writing them as their decimal text", () => {
    // Prepare: the SDK's marshaller refuses 1e16 outright
    const result = { orderId: 1e16, ratio: 0.25, nested: [-2e20] };
    expect(() => marshall({ result })).toThrow(/MAX_SAFE_INTEGER/);

    // Act
    const kept = truncateResult(result);

    // Assess
    expect(kept).toEqual({ orderId: '10000000000000000', ratio: 0.25, nested: ['-200000000000000000000'] });
    expect(() => marshall({ result: kept })).not.toThrow();
  });
});
