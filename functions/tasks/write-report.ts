import * as z from 'zod';
import { defineTask } from '../../lib/domain/task';
import type { TaskServices } from './index';

/** Writes a report item for the run (beside the ledger, in the runs table, expiring with it). */
export const writeReportTask = (services: () => TaskServices) =>
  defineTask({
    name: 'report.write',
    description: 'Writes a report item for the run; a repeated run of the same occurrence keeps the first report.',
    payload: z
      .object({
        title: z.string().min(1).max(256),
        figures: z.record(z.string(), z.number()).default({}),
        note: z.string().max(4096).optional(),
      })
      .strict(),
    timeoutSeconds: 10,
    run: async (payload, context) => {
      const { reports, clock } = services();
      // A timed-out attempt writes nothing: the worker has given up on it.
      context.signal.throwIfAborted();
      await reports.put({
        jobId: context.jobId,
        runId: context.runId,
        title: payload.title,
        body: { figures: payload.figures, ...(payload.note !== undefined && { note: payload.note }) },
        generatedAt: clock.now(),
      });
      return { report: `report#${context.runId}` };
    },
  });
