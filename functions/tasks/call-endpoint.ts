import * as z from 'zod';
import { defineTask } from '../../lib/domain/task';
import type { TaskServices } from './index';

/** Calls an HTTP endpoint (signed and SSRF-guarded like a webhook target) and records its status. */
export const callEndpointTask = (services: () => TaskServices) =>
  defineTask({
    name: 'http.call',
    description: 'Calls an HTTPS endpoint through the SSRF guard and records the status and a cut of the body.',
    payload: z
      .object({
        url: z.url().max(2048),
        method: z.enum(['GET', 'POST']).default('GET'),
        body: z.json().optional(),
      })
      .strict(),
    timeoutSeconds: 30,
    run: async (payload, context) => {
      const response = await services().http.call({
        url: payload.url,
        method: payload.method,
        headers: {},
        body: payload.body,
        jobId: context.jobId,
        runId: context.runId,
        scheduledTime: context.scheduledTime,
        attempt: context.attempt,
        timeoutMs: 30_000,
        signal: context.signal,
      });
      return { status: response.status, body: response.body };
    },
  });
