import { apiHandler } from '../lib/composition/api';
import { taskRegistry } from './tasks';

/** The API Lambda: every request through the Jobs API router. */
export const handler = apiHandler(process.env, taskRegistry);
