/** The environment of the deployed baseline function (bench/deployed/baseline-function.ts). */
export const BASELINE_ENV = {
  jobsTable: 'BENCH_JOBS_TABLE',
  idempotencyTable: 'BENCH_IDEMPOTENCY_TABLE',
  effectsTable: 'BENCH_EFFECTS_TABLE',
} as const;
