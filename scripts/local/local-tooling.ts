/**
 * LOCAL ONLY, never deployed. What makes the local cloud behave like AWS where the emulator does not: sked's local
 * scheduler (fires the schedules as EventBridge Scheduler does, docs/local-scheduler.md) and its local alarm
 * evaluator (alarm states as CloudWatch decides them, docs/local-cloud.md). `npm run local` and the test layers start
 * both; `SKED_LOCAL_SCHEDULER=off` or `SKED_LOCAL_ALARMS=off` leaves either out.
 */
import { startLocalAlarms } from './alarms/local-alarms';
import { startLocalScheduler } from './scheduler';

export interface LocalToolingOptions {
  readonly endpoint: string;
  /** The schedule groups to fire; every group when absent (the test layers, whose tests make groups of their own). */
  readonly groups?: readonly string[];
  /** Alarms whose names start with this are evaluated: `Sked-<stage>-` for one deployment, `Sked-` for all. */
  readonly alarmNamePrefix: string;
  /** Where the scheduler keeps what it fired. @default its own default (`.local-cloud/scheduler/`) */
  readonly stateDir?: string;
  /** The scheduler's delivery lines and the alarm evaluator's state changes. */
  readonly log: (line: string) => void;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface LocalTooling {
  /** What was started, for the caller to say: e.g. `local scheduler (every group), local alarms (Sked-)`. */
  readonly started: readonly string[];
  stop(): Promise<void>;
}

/** A switch is on unless set to `off` (or `0`, `false`). */
function isOn(value: string | undefined): boolean {
  return value === undefined || !['off', '0', 'false'].includes(value.trim().toLowerCase());
}

export async function startLocalTooling(options: LocalToolingOptions): Promise<LocalTooling> {
  const env = options.env ?? process.env;
  const stops: (() => Promise<void>)[] = [];
  const started: string[] = [];
  try {
    if (isOn(env.SKED_LOCAL_SCHEDULER)) {
      const scheduler = await startLocalScheduler({
        endpoint: options.endpoint,
        ...(options.groups !== undefined && { groups: options.groups }),
        ...(options.stateDir !== undefined && { stateDir: options.stateDir }),
        log: options.log,
      });
      stops.push(() => scheduler.stop());
      started.push(`local scheduler (${options.groups?.join(', ') ?? 'every group'})`);
    }
    if (isOn(env.SKED_LOCAL_ALARMS)) {
      const alarms = startLocalAlarms({
        endpoint: options.endpoint,
        alarmNamePrefix: options.alarmNamePrefix,
        log: options.log,
      });
      stops.push(() => alarms.stop());
      started.push(`local alarms (${options.alarmNamePrefix}*)`);
    }
  } catch (error) {
    await stopAll(stops);
    throw error;
  }
  return { started, stop: () => stopAll(stops) };
}

async function stopAll(stops: readonly (() => Promise<void>)[]): Promise<void> {
  const results = await Promise.allSettled([...stops].reverse().map((stop) => stop()));
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}
