export { DEFAULT_DEAD_LETTER_SETTINGS, type DeadLetterDeps, type DeadLetterSettings } from './deps';
export {
  describeDeadLetter,
  SCHEDULER_DEAD_LETTER_ATTRIBUTES,
  staleReasonOf,
  type DeadLetterReason,
  type DescribedDeadLetter,
  type RedriveClaim,
  type StaleReason,
} from './describe';
export { listDeadLetters, type DeadLetterList } from './list-dead-letters';
export { purgeDeadLetters, type PurgeRequest, type PurgeResult } from './purge-dead-letters';
export { redriveDeadLetters, type RedriveResult } from './redrive-dead-letters';
