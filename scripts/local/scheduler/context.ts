/**
 * LOCAL ONLY. EventBridge Scheduler's context attributes, substituted into the target input as AWS does
 * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html).
 */
import { randomBytes } from 'node:crypto';

export interface InvocationContext {
  readonly scheduleArn: string;
  readonly scheduledTime: Date;
  readonly executionId: string;
  readonly attemptNumber: number;
}

/** `2022-03-22T18:59:43Z`: the documented form, UTC to the second, no fraction. */
export function formatScheduledTime(time: Date): string {
  return `${time.toISOString().slice(0, 19)}Z`;
}

/** A new id per attempted invocation, 16 characters like AWS's `d32c5kddcf5bb8c3`. */
export function newExecutionId(): string {
  return randomBytes(8).toString('hex');
}

/** The input with the four context attributes replaced; any other text, unknown `<aws.scheduler.*>` keywords too, stays. */
export function substituteContext(input: string, context: InvocationContext): string {
  return input
    .replaceAll('<aws.scheduler.schedule-arn>', context.scheduleArn)
    .replaceAll('<aws.scheduler.scheduled-time>', formatScheduledTime(context.scheduledTime))
    .replaceAll('<aws.scheduler.execution-id>', context.executionId)
    .replaceAll('<aws.scheduler.attempt-number>', String(context.attemptNumber));
}
