/**
 * Key layout of sked's DynamoDB tables, shared by the adapters and the CDK stacks so they cannot disagree.
 */
export const JOBS_TABLE = {
  partitionKey: 'id',
  /** GSI for listing without a Scan: one item collection for all jobs, sorted by `${group}#${id}`. */
  listIndex: { name: 'list', partitionKey: 'entity', sortKey: 'groupId' },
  entity: 'job',
} as const;

export const RUNS_TABLE = {
  partitionKey: 'jobId',
  sortKey: 'sk',
  /**
   * Runs are `run#${runId}` (newest last when sorted); concurrency leases are `slot#${n}`; a second-precision job's
   * tick coverage is `tick`.
   */
  runPrefix: 'run#',
  slotPrefix: 'slot#',
  tickCoverageKey: 'tick',
  ttlAttribute: 'expiresAt',
} as const;
