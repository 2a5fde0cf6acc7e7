import { describe, expect, it } from 'vitest';
import { DynamoDbTickCoverage } from '../../lib/adapters/aws/dynamodb-tick-coverage';
import type { TickCoverage } from '../../lib/domain/tick';
import type { TickCoverageStore } from '../../lib/ports/run-ledger';
import { InMemoryTickCoverage } from '../support/fakes/tick-coverage';
import { runsTableInput } from '../support/tables';
import { freshForEachTest, freshTable, inProcess, type Implementation } from './implementations';

const stores: Implementation<TickCoverageStore>[] = [
  inProcess('InMemoryTickCoverage', () => new InMemoryTickCoverage()),
  {
    name: 'DynamoDbTickCoverage',
    create: () =>
      freshTable('sked-contract-ticks', runsTableInput, (client, table) => new DynamoDbTickCoverage(client, table)),
  },
];

const first: TickCoverage = {
  coveredUntil: new Date('2030-01-01T09:11:00Z'),
  basis: '2030-01-01T08:00:00.000Z#v1',
  fingerprint: '["2030-01-01T08:00:00.000Z",{"type":"interval","seconds":5},null,null]',
};
const second: TickCoverage = { ...first, coveredUntil: new Date('2030-01-01T09:16:00Z') };
const edited: TickCoverage = {
  coveredUntil: new Date('2030-01-01T09:17:00Z'),
  basis: '2030-01-01T08:00:00.000Z#v2',
  fingerprint: '["2030-01-01T08:00:00.000Z",{"type":"interval","seconds":7},null,null]',
};

describe.each(stores)('tick coverage contract: $name', (implementation) => {
  let store: TickCoverageStore;
  freshForEachTest(implementation, (subject) => {
    store = subject;
  });

  it('has no coverage for a job no tick has covered', async () => {
    // Act / Assess
    await expect(store.coverage('job-1')).resolves.toBeUndefined();
  });

  it('records the first coverage only while there is none', async () => {
    // Act
    const firstWrite = await store.advanceCoverage('job-1', undefined, first);
    const secondFirstWrite = await store.advanceCoverage('job-1', undefined, second);

    // Assess
    expect([firstWrite, secondFirstWrite]).toEqual([true, false]);
    await expect(store.coverage('job-1')).resolves.toEqual(first);
  });

  it('advances from the coverage it read, and refuses one read before another tick moved it', async () => {
    // Prepare
    await store.advanceCoverage('job-1', undefined, first);

    // Act
    const advanced = await store.advanceCoverage('job-1', first, second);
    const stale = await store.advanceCoverage('job-1', first, edited);

    // Assess
    expect([advanced, stale]).toEqual([true, false]);
    await expect(store.coverage('job-1')).resolves.toEqual(second);
  });

  it('refuses an advance whose basis is not the stored one, even at the same instant', async () => {
    // Prepare
    await store.advanceCoverage('job-1', undefined, first);

    // Act
    const moved = await store.advanceCoverage('job-1', { ...first, basis: 'another#v9' }, edited);

    // Assess
    expect(moved).toBe(false);
    await expect(store.coverage('job-1')).resolves.toEqual(first);
  });

  it('keeps each job its own coverage', async () => {
    // Act
    await store.advanceCoverage('job-1', undefined, first);
    await store.advanceCoverage('job-2', undefined, edited);

    // Assess
    await expect(store.coverage('job-1')).resolves.toEqual(first);
    await expect(store.coverage('job-2')).resolves.toEqual(edited);
  });
});
