import { applySchedulesHandler } from '../lib/composition/apply-schedules';
import { taskRegistry } from './tasks';

/** The custom resource Lambda that applies the jobs a stack declares (the `Sked` construct's `schedules`). */
export const handler = applySchedulesHandler(process.env, taskRegistry);
