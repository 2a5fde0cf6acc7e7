import { workerHandler } from '../lib/composition/worker';
import { taskRegistry } from './tasks';

/** The worker Lambda: each SQS record is one occurrence of a job, claimed, run and recorded. */
export const handler = workerHandler(process.env, taskRegistry);
