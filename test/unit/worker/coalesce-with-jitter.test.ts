import { describe, expect, it } from 'vitest';
import { isCoalesced } from '../../../lib/domain/worker-policies';
import { aJob } from '../../support/worker/builders';

describe('coalesce with a flexible time window', () => {
  // Every 5 minutes, each delivery up to 15 minutes late by design
  const jittered = aJob({ coalesce: true, jitterMinutes: 15, trigger: { type: 'interval', minutes: 5 } });
  const scheduledTime = new Date('2030-01-01T09:00:00Z');

  it('keeps an occurrence delivered late within its window while no newer one can be due yet', () => {
    // Act: delivered 14 minutes after its time; the next occurrence (09:05) may arrive until 09:20
    const coalesced = isCoalesced(jittered, scheduledTime, new Date('2030-01-01T09:14:00Z'));

    // Assess
    expect(coalesced).toBe(false);
  });

  it('drops an occurrence once the next one is due even allowing for its window', () => {
    // Act: the next occurrence (09:05) had until 09:20 to arrive
    const atWindowEnd = isCoalesced(jittered, scheduledTime, new Date('2030-01-01T09:20:00Z'));
    const anHourLate = isCoalesced(jittered, scheduledTime, new Date('2030-01-01T10:00:00Z'));

    // Assess
    expect(atWindowEnd).toBe(true);
    expect(anHourLate).toBe(true);
  });
});
