import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  paginateListSchedules,
  ResourceNotFoundException,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { ScheduleDefinition } from '../../domain/schedule-definition';
import type { ScheduleSnapshot, Schedules } from '../../ports/schedules';

/** The SDK input for a definition: the same names, copied so the SDK's mutable types are satisfied. */
export function scheduleInputOf(definition: ScheduleDefinition): CreateScheduleCommandInput {
  return {
    Name: definition.Name,
    GroupName: definition.GroupName,
    ScheduleExpression: definition.ScheduleExpression,
    ScheduleExpressionTimezone: definition.ScheduleExpressionTimezone,
    ...(definition.StartDate !== undefined && { StartDate: definition.StartDate }),
    ...(definition.EndDate !== undefined && { EndDate: definition.EndDate }),
    ...(definition.Description !== undefined && { Description: definition.Description }),
    State: definition.State,
    FlexibleTimeWindow: { ...definition.FlexibleTimeWindow },
    ActionAfterCompletion: definition.ActionAfterCompletion,
    Target: {
      Arn: definition.Target.Arn,
      RoleArn: definition.Target.RoleArn,
      Input: definition.Target.Input,
      RetryPolicy: { ...definition.Target.RetryPolicy },
      DeadLetterConfig: { ...definition.Target.DeadLetterConfig },
    },
  };
}

/** EventBridge Scheduler's schedules of one group, one per job, named by the job id. */
export class SchedulerSchedules implements Schedules {
  constructor(
    private readonly client: SchedulerClient,
    private readonly groupName: string,
  ) {}

  /**
   * CreateSchedule, and UpdateSchedule when it exists. Both always carry the whole definition: UpdateSchedule
   * replaces every field, so a partial update would silently reset the rest (docs/design.md#the-job-store-and-the-schedules).
   */
  async put(definition: ScheduleDefinition): Promise<void> {
    const input = scheduleInputOf(definition);
    try {
      await this.client.send(new CreateScheduleCommand(input));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
      await this.client.send(new UpdateScheduleCommand(input));
    }
  }

  async get(name: string): Promise<ScheduleSnapshot | undefined> {
    try {
      const schedule = await this.client.send(new GetScheduleCommand({ Name: name, GroupName: this.groupName }));
      const window = schedule.FlexibleTimeWindow;
      return {
        name,
        expression: schedule.ScheduleExpression ?? '',
        timezone: schedule.ScheduleExpressionTimezone ?? 'UTC',
        state: schedule.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
        input: schedule.Target?.Input ?? '',
        targetArn: schedule.Target?.Arn ?? '',
        ...(window?.Mode === 'FLEXIBLE' &&
          window.MaximumWindowInMinutes !== undefined && { flexibleWindowMinutes: window.MaximumWindowInMinutes }),
        ...(schedule.StartDate !== undefined && { startDate: schedule.StartDate }),
        ...(schedule.EndDate !== undefined && { endDate: schedule.EndDate }),
        ...(schedule.Description !== undefined && { description: schedule.Description }),
        ...(schedule.Target?.RoleArn !== undefined && { roleArn: schedule.Target.RoleArn }),
        ...(schedule.ActionAfterCompletion !== undefined && { actionAfterCompletion: schedule.ActionAfterCompletion }),
        ...(schedule.Target?.RetryPolicy !== undefined && {
          retryPolicy: {
            maximumEventAgeSeconds: schedule.Target.RetryPolicy.MaximumEventAgeInSeconds,
            maximumRetryAttempts: schedule.Target.RetryPolicy.MaximumRetryAttempts,
          },
        }),
        ...(schedule.Target?.DeadLetterConfig?.Arn !== undefined && {
          deadLetterArn: schedule.Target.DeadLetterConfig.Arn,
        }),
      };
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  async delete(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.groupName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }

  async listNames(): Promise<string[]> {
    const names: string[] = [];
    const pages = paginateListSchedules({ client: this.client, pageSize: 100 }, { GroupName: this.groupName });
    for await (const page of pages) {
      for (const schedule of page.Schedules ?? []) if (schedule.Name !== undefined) names.push(schedule.Name);
    }
    return names;
  }
}
