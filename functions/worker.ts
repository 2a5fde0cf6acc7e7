import { parseConfig, workerConfigSchema } from '../lib/schemas/config';
import { awsWorkerDeps, makeWorkerHandler } from './worker-handler';

/** The worker Lambda: config parsed and clients built once per container (cold start fails naming a bad variable). */
export const handler = makeWorkerHandler(awsWorkerDeps(parseConfig(workerConfigSchema, process.env)));
