import type { Clock } from '../../../lib/ports/clock';

/** A clock that only moves when told to. */
export class FakeClock implements Clock {
  constructor(private instant: Date) {}
  now(): Date {
    return new Date(this.instant);
  }
  advance(ms: number): void {
    this.instant = new Date(this.instant.getTime() + ms);
  }
}
