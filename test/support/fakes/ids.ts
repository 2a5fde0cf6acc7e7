import type { Ids } from '../../../lib/ports/clock';

/** Predictable ids: job-1, job-2, ... and suffixes s1, s2, ... */
export class SequentialIds implements Ids {
  private jobs = 0;
  private suffixes = 0;
  jobId(): string {
    this.jobs += 1;
    return `job-${this.jobs}`;
  }
  suffix(): string {
    this.suffixes += 1;
    return `s${this.suffixes}`;
  }
}
