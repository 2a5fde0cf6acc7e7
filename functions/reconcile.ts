import { reconcileHandler } from '../lib/composition/reconcile';

/** The reconcile Lambda, run on its own schedule: repairs drift between the jobs table and the schedules. */
export const handler = reconcileHandler(process.env);
