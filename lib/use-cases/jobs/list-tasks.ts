import * as z from 'zod';
import type { taskListSchema } from '../../schemas/api';
import type { JobsDeps } from './deps';

/** GET /tasks: every registered task with the JSON Schema its payload must satisfy. */
export function listTasks(deps: Pick<JobsDeps, 'tasks'>): z.infer<typeof taskListSchema> {
  return {
    items: deps.tasks.all().map((task) => ({
      name: task.name,
      description: task.description,
      timeoutSeconds: task.timeoutSeconds,
      // What a client sends, so defaults are optional; anything JSON Schema cannot say is left open.
      payloadSchema: z.toJSONSchema(task.payload, { io: 'input', unrepresentable: 'any' }),
    })),
  };
}
