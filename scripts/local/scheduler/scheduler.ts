/**
 * LOCAL ONLY. The local scheduler's engine: it follows the watched schedules by polling the Scheduler API, works
 * out each one's next occurrence, and at its time (plus the flexible window's delay) hands it to delivery, keeping
 * what it fired in the state store. docs/local-scheduler.md describes the rules it follows.
 */
import { deliverOccurrence, type DeliveryDeps } from './deliver';
import { deliveryTimeOf, fireRuleOf, isCompleted, nextOccurrence, type FireRule } from './plan';
import type { ScheduleSource, ScheduleSummary } from './ports';
import { scheduleKey, type LocalSchedule } from './schedule';
import type { PendingDelivery, ScheduleRecord, StateStore } from './state';

export interface LocalSchedulerDeps extends DeliveryDeps {
  readonly schedules: ScheduleSource;
  readonly state: StateStore;
  /** How often the schedules are listed again. */
  readonly pollMs: number;
  /** Deliveries under way at once, at most; the others due wait their turn. @default MAX_DELIVERIES_IN_FLIGHT */
  readonly maxDeliveriesInFlight?: number;
  /**
   * Each FlexibleTimeWindow OFF delivery is delayed by a uniform draw from [0, N) s, as AWS invokes within the
   * minute of the occurrence (plan.ts deliveryTimeOf). @default 0: at the occurrence's time
   */
  readonly invocationSpreadSeconds?: number;
}

/** A schedule as the engine follows it. */
interface Tracked {
  readonly schedule: LocalSchedule;
  /** Undefined when the schedule cannot fire locally (its expression or target is not supported). */
  readonly rule: FireRule | undefined;
  /** Its next occurrence not yet fired, in epoch ms. */
  next: number | undefined;
  /**
   * When this definition was last known to be current (the start of the listing or GetSchedule that read it). An
   * occurrence after it is read again before it fires: a delete, disable or update made since would stop it on AWS.
   */
  confirmedAt: number;
}

interface MutableRecord {
  lastFired?: number;
  pending: PendingDelivery[];
}

const SQS_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/;
/** A stall can leave many occurrences due at once; at most this many are fired per pass. */
const MAX_OCCURRENCES_PER_PASS = 1000;
/** Deliveries under way at once, by default: many schedules due in the same second do not open as many sends. */
export const MAX_DELIVERIES_IN_FLIGHT = 32;
/**
 * An occurrence later than this is not late but skipped: the clock jumped ahead (a machine that slept), and what fell
 * due meanwhile is not caught up, as after a restart.
 */
const clockJumpToleranceMs = (pollMs: number): number => Math.max(5 * pollMs, 60_000);

export class LocalSchedulerEngine {
  private readonly tracked = new Map<string, Tracked>();
  private readonly records = new Map<string, MutableRecord>();
  /** Schedules this engine deleted, by key, with the LastModificationDate they had: not followed again. */
  private readonly deleted = new Map<string, number>();
  private readonly inFlight = new Map<string, Set<Promise<void>>>();
  private readonly deleting = new Map<string, Promise<void>>();
  /** GetSchedule calls under way for an occurrence due after its schedule was last read, by key. */
  private readonly confirming = new Map<string, Promise<void>>();
  private readonly warned = new Set<string>();
  private readonly stopping = new AbortController();
  private wakeController = new AbortController();
  private saving: Promise<void> = Promise.resolve();
  private loop: Promise<void> | undefined;
  private listFailing = false;
  private startedAt = 0;
  /** Occurrences before this that were not fired never are: the start, or the latest forward clock jump. */
  private noCatchUpBefore = 0;
  private deliveriesInFlight = 0;
  /** Deliveries are due that wait for one under way to finish. */
  private waitingForDelivery = false;

  constructor(private readonly deps: LocalSchedulerDeps) {}

  /**
   * Loads the state and reads the schedules once. From here on, an occurrence earlier than this moment that was not
   * fired is never fired (no catch-up after downtime), and a pending delivery whose moment passed is dropped.
   */
  async start(): Promise<void> {
    this.startedAt = this.deps.clock.now();
    this.noCatchUpBefore = this.startedAt;
    for (const [key, record] of await this.deps.state.load()) {
      this.records.set(key, {
        ...(record.lastFired !== undefined && { lastFired: record.lastFired }),
        pending: record.pending.filter((pending) => pending.deliverAt >= this.startedAt),
      });
    }
    await this.refresh();
  }

  /** Runs the poll-and-fire loop until stop(). */
  run(): void {
    this.loop ??= this.runLoop();
  }

  private async runLoop(): Promise<void> {
    let nextPollAt = this.deps.clock.now() + this.deps.pollMs;
    while (!this.stopping.signal.aborted) {
      try {
        if (this.deps.clock.now() >= nextPollAt) {
          await this.refresh();
          nextPollAt = this.deps.clock.now() + this.deps.pollMs;
        }
        this.advance();
      } catch (error) {
        this.warnLoop(error);
      }
      const wakeAt = Math.min(nextPollAt, this.nextDueAt() ?? Infinity);
      // One controller per pass, aborted by wake() and by stop(): a signal combined from both each pass would stay
      // referenced from the long-lived stopping signal, a little memory every pass.
      this.wakeController = new AbortController();
      if (this.stopping.signal.aborted) break;
      await this.deps.clock.sleep(Math.max(0, wakeAt - this.deps.clock.now()), this.wakeController.signal);
    }
  }

  /** Stops the loop and any retries waiting, lets sends under way finish, and saves the state. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.wakeController.abort();
    await this.loop;
    await this.idle();
    await this.saving;
  }

  /** Resolves once no delivery, delete or confirming read is under way. */
  async idle(): Promise<void> {
    for (;;) {
      const busy = [
        ...[...this.inFlight.values()].flatMap((set) => [...set]),
        ...this.deleting.values(),
        ...this.confirming.values(),
      ];
      if (busy.length === 0) return;
      await Promise.allSettled(busy);
    }
  }

  /**
   * Lists the watched schedules and reads those that are new or changed (by LastModificationDate, or by their whole
   * definition when the listing has none). What was due under the old definitions is fired first.
   */
  async refresh(): Promise<void> {
    const listedAt = this.deps.clock.now();
    let summaries: ScheduleSummary[];
    try {
      summaries = await this.deps.schedules.list();
    } catch (error) {
      if (!this.listFailing)
        this.deps.log(`local scheduler: cannot list schedules (will keep trying): ${describe(error)}`);
      this.listFailing = true;
      return;
    }
    if (this.listFailing) this.deps.log('local scheduler: listing schedules again');
    this.listFailing = false;
    // Before a change read now fires what fell due under the old definition.
    this.skipAheadAfterClockJump(this.deps.clock.now());

    const listed = new Set<string>();
    for (const summary of summaries) {
      const key = scheduleKey(summary.groupName, summary.name);
      listed.add(key);
      const modifiedAt = summary.lastModificationDate?.getTime();
      if (modifiedAt !== undefined && this.deleted.get(key) === modifiedAt) continue;
      const known = this.tracked.get(key);
      if (modifiedAt !== undefined && known?.schedule.lastModificationDate.getTime() === modifiedAt) {
        known.confirmedAt = Math.max(known.confirmedAt, listedAt);
        continue;
      }
      await this.reread(key, summary.groupName, summary.name, listedAt);
    }
    // A listing can leave out a schedule that still exists (an emulator that does not page, a group that answers
    // ResourceNotFound for a moment): only GetSchedule saying it is gone forgets what was fired for it.
    for (const key of new Set([...this.tracked.keys(), ...this.records.keys(), ...this.deleted.keys()])) {
      if (listed.has(key)) continue;
      const { groupName, name } = splitKey(key);
      await this.reread(key, groupName, name, listedAt);
    }
    this.persist();
    this.wake();
  }

  /**
   * Fires what is due now: each occurrence whose time has come is recorded fired and queued with its delivery time,
   * each queued one whose delivery time has come is delivered, and a completed DELETE schedule is deleted.
   */
  advance(): void {
    const now = this.deps.clock.now();
    let changed = this.skipAheadAfterClockJump(now);
    this.waitingForDelivery = false;
    for (const [key, tracked] of this.tracked) {
      const { schedule, rule } = tracked;
      if (schedule.state !== 'ENABLED' || rule === undefined) continue;
      const record = this.recordOf(key);
      if (this.fireUntil(tracked, record, Math.min(now, tracked.confirmedAt))) changed = true;
      if (tracked.next !== undefined && tracked.next <= now) this.confirm(key, tracked);
      if (this.dispatchDue(key, schedule, record, now)) changed = true;
      this.completeIfDone(key, tracked, record, now);
    }
    if (changed) this.persist();
  }

  /** Records as fired, and queues, the tracked schedule's occurrences up to `until`; returns whether it did any. */
  private fireUntil(tracked: Tracked, record: MutableRecord, until: number): boolean {
    const { schedule, rule } = tracked;
    if (rule === undefined) return false;
    let fired = 0;
    while (tracked.next !== undefined && tracked.next <= until && fired < MAX_OCCURRENCES_PER_PASS) {
      const scheduledTime = tracked.next;
      const deliverAt = deliveryTimeOf(
        schedule,
        new Date(scheduledTime),
        this.deps.random,
        this.deps.invocationSpreadSeconds,
      ).getTime();
      record.lastFired = scheduledTime;
      record.pending.push({ scheduledTime, deliverAt });
      tracked.next = nextOccurrence(rule, new Date(scheduledTime + 1))?.getTime();
      fired += 1;
    }
    return fired > 0;
  }

  /**
   * Delivers the queued occurrences whose delivery time has come, as many as there is room for under
   * maxDeliveriesInFlight (the others wait for a delivery to finish); returns whether it started any.
   */
  private dispatchDue(key: string, schedule: LocalSchedule, record: MutableRecord, now: number): boolean {
    const room = (this.deps.maxDeliveriesInFlight ?? MAX_DELIVERIES_IN_FLIGHT) - this.deliveriesInFlight;
    const due = record.pending.filter((pending) => pending.deliverAt <= now);
    if (due.length === 0) return false;
    if (due.length > room) this.waitingForDelivery = true;
    const started = due.slice(0, Math.max(0, room));
    if (started.length === 0) return false;
    record.pending = record.pending.filter((pending) => !started.includes(pending));
    for (const pending of started) this.dispatch(key, schedule, pending.scheduledTime);
    return true;
  }

  /**
   * After the clock jumped ahead (now well past an occurrence not fired), skips every schedule to the present and
   * drops deliveries whose moment passed long ago, as a restart would, with one line. Returns whether it did.
   */
  private skipAheadAfterClockJump(now: number): boolean {
    const tolerance = clockJumpToleranceMs(this.deps.pollMs);
    let missedFrom: number | undefined;
    for (const { schedule, rule, next } of this.tracked.values()) {
      if (schedule.state !== 'ENABLED' || rule === undefined || next === undefined || next >= now - tolerance) continue;
      missedFrom = Math.min(missedFrom ?? next, next);
    }
    if (missedFrom === undefined) return false;
    this.deps.log(
      `local scheduler: the clock jumped ahead (the machine slept?): what fell due from ` +
        `${new Date(missedFrom).toISOString()} to ${new Date(now).toISOString()} is not fired, as after a restart`,
    );
    this.noCatchUpBefore = now;
    for (const [key, tracked] of this.tracked) {
      const record = this.recordOf(key);
      record.pending = record.pending.filter((pending) => pending.deliverAt >= now - tolerance);
      if (tracked.rule !== undefined && tracked.next !== undefined && tracked.next < now) {
        tracked.next = nextOccurrence(tracked.rule, new Date(now))?.getTime();
      }
    }
    return true;
  }

  /**
   * Reads again a schedule whose next occurrence is due but later than its definition was last read, then runs a
   * pass: deleted, it fires nothing; disabled or updated, it follows the new definition; unchanged, it fires. When
   * the read fails, it fires what it knows.
   */
  private confirm(key: string, tracked: Tracked): void {
    if (this.confirming.has(key)) return;
    const readAt = this.deps.clock.now();
    const { groupName, name } = tracked.schedule;
    const confirmation = this.deps.schedules
      .get(groupName, name)
      .then(
        (schedule) => {
          if (this.tracked.get(key) === tracked) this.apply(key, schedule, readAt);
        },
        (error: unknown) => {
          this.warnOnce(`get:${key}`, `local scheduler: cannot read ${key}: ${describe(error)}`);
          tracked.confirmedAt = Math.max(tracked.confirmedAt, readAt);
        },
      )
      .finally(() => {
        this.confirming.delete(key);
        if (!this.stopping.signal.aborted) this.pass();
      });
    this.confirming.set(key, confirmation);
  }

  /** The earliest moment something is due: an occurrence or a queued delivery. */
  nextDueAt(): number | undefined {
    let earliest: number | undefined;
    const consider = (time: number | undefined): void => {
      if (time !== undefined && (earliest === undefined || time < earliest)) earliest = time;
    };
    for (const [key, tracked] of this.tracked) {
      if (tracked.schedule.state !== 'ENABLED' || tracked.rule === undefined) continue;
      // A confirming read under way, and a delivery finishing when others wait, wake the loop themselves.
      if (!this.confirming.has(key)) consider(tracked.next);
      if (this.waitingForDelivery) continue;
      for (const pending of this.records.get(key)?.pending ?? []) consider(pending.deliverAt);
    }
    return earliest;
  }

  /** The state as it would be saved (for tests and the `run` command's summary). */
  snapshot(): ReadonlyMap<string, ScheduleRecord> {
    return new Map([...this.records].map(([key, record]) => [key, { ...record, pending: [...record.pending] }]));
  }

  /** Reads the schedule and follows what it says (apply). */
  private async reread(key: string, groupName: string, name: string, readAt: number): Promise<void> {
    let schedule: LocalSchedule | undefined;
    try {
      schedule = await this.deps.schedules.get(groupName, name);
    } catch (error) {
      this.warnOnce(`get:${key}`, `local scheduler: cannot read ${key}: ${describe(error)}`);
      return;
    }
    this.apply(key, schedule, readAt);
  }

  /**
   * Follows a schedule as read at `readAt`: gone, it is forgotten; changed, what fell due before the change is fired
   * under the old definition (it was in force then), and the new one is tracked; unchanged, it is confirmed.
   */
  private apply(key: string, schedule: LocalSchedule | undefined, readAt: number): void {
    if (schedule === undefined) {
      this.forget(key);
      this.deleted.delete(key);
      this.persist();
      return;
    }
    if (this.deleted.get(key) === schedule.lastModificationDate.getTime()) return;
    const known = this.tracked.get(key);
    if (known !== undefined && JSON.stringify(known.schedule) === JSON.stringify(schedule)) {
      known.confirmedAt = Math.max(known.confirmedAt, readAt);
      return;
    }
    if (known !== undefined && known.schedule.state === 'ENABLED') {
      const changedAt = schedule.lastModificationDate.getTime();
      const record = this.recordOf(key);
      this.fireUntil(known, record, Math.min(this.deps.clock.now(), changedAt - 1));
      this.dispatchDue(key, known.schedule, record, this.deps.clock.now());
    }
    this.track(schedule, readAt);
    this.persist();
  }

  private track(schedule: LocalSchedule, confirmedAt: number): void {
    const key = scheduleKey(schedule.groupName, schedule.name);
    const record = this.recordOf(key);
    const rule = this.ruleOf(key, schedule);
    if (schedule.state !== 'ENABLED') record.pending = [];
    // Occurrences before the scheduler started (or the clock jumped) or before this definition was written never fire.
    const lower = Math.max(this.noCatchUpBefore, schedule.lastModificationDate.getTime());
    const from = Math.max(lower, (record.lastFired ?? -Infinity) + 1);
    let next: number | undefined;
    if (rule !== undefined) {
      try {
        next = nextOccurrence(rule, new Date(from))?.getTime();
      } catch (error) {
        this.warnOnce(`rule:${key}:${schedule.expression}`, `local scheduler: ${key} cannot fire: ${describe(error)}`);
        this.tracked.set(key, { schedule, rule: undefined, next: undefined, confirmedAt });
        return;
      }
    }
    this.tracked.set(key, { schedule, rule, next, confirmedAt });
  }

  private ruleOf(key: string, schedule: LocalSchedule): FireRule | undefined {
    if (!SQS_ARN.test(schedule.target.arn)) {
      this.warnOnce(
        `target:${key}:${schedule.target.arn}`,
        `local scheduler: ${key} is not fired: its target ${schedule.target.arn} is not an SQS queue ARN`,
      );
      return undefined;
    }
    try {
      return fireRuleOf(schedule);
    } catch (error) {
      this.warnOnce(`rule:${key}:${schedule.expression}`, `local scheduler: ${key} cannot fire: ${describe(error)}`);
      return undefined;
    }
  }

  private forget(key: string): void {
    this.tracked.delete(key);
    this.records.delete(key);
  }

  private recordOf(key: string): MutableRecord {
    let record = this.records.get(key);
    if (record === undefined) {
      record = { pending: [] };
      this.records.set(key, record);
    }
    return record;
  }

  private dispatch(key: string, schedule: LocalSchedule, scheduledTime: number): void {
    const deliveries = this.inFlight.get(key) ?? new Set<Promise<void>>();
    this.inFlight.set(key, deliveries);
    this.deliveriesInFlight += 1;
    const delivery: Promise<void> = deliverOccurrence(
      this.deps,
      schedule,
      new Date(scheduledTime),
      this.stopping.signal,
    )
      .then(() => undefined)
      .catch((error: unknown) => this.deps.log(`local scheduler: ${key}: delivery failed: ${describe(error)}`))
      .finally(() => {
        deliveries.delete(delivery);
        if (deliveries.size === 0) this.inFlight.delete(key);
        this.deliveriesInFlight -= 1;
        if (this.waitingForDelivery && !this.stopping.signal.aborted) this.pass();
        else this.wake();
      });
    deliveries.add(delivery);
  }

  /** ActionAfterCompletion DELETE: once nothing is left to fire or deliver, the schedule is deleted. */
  private completeIfDone(key: string, tracked: Tracked, record: MutableRecord, now: number): void {
    const { schedule, rule } = tracked;
    if (schedule.actionAfterCompletion !== 'DELETE' || rule === undefined) return;
    if (!isCompleted(rule, tracked.next === undefined ? undefined : new Date(tracked.next), new Date(now))) return;
    if (record.pending.length > 0 || this.inFlight.has(key) || this.deleting.has(key)) return;
    const deletion = this.deps.schedules
      .delete(schedule.groupName, schedule.name)
      .then(() => {
        this.deps.log(`local scheduler: ${key} completed; deleted (ActionAfterCompletion DELETE)`);
        this.deleted.set(key, schedule.lastModificationDate.getTime());
        this.forget(key);
        this.persist();
      })
      .catch((error: unknown) => {
        this.warnOnce(`delete:${key}`, `local scheduler: cannot delete completed ${key}: ${describe(error)}`);
      })
      .finally(() => this.deleting.delete(key));
    this.deleting.set(key, deletion);
  }

  private persist(): void {
    const snapshot = this.snapshot();
    this.saving = this.saving
      .then(() => this.deps.state.save(snapshot))
      .catch((error: unknown) => this.deps.log(`local scheduler: cannot save its state: ${describe(error)}`));
  }

  /** advance(), for when a confirming read settles: errors are told as the loop tells them. */
  private pass(): void {
    try {
      this.advance();
    } catch (error) {
      this.warnLoop(error);
    }
    this.wake();
  }

  /** A bug here must not end local scheduling for good; the next pass tries again. */
  private warnLoop(error: unknown): void {
    this.warnOnce(`loop:${describe(error)}`, `local scheduler: ${describe(error)}`);
  }

  private wake(): void {
    this.wakeController.abort();
  }

  private warnOnce(id: string, line: string): void {
    if (this.warned.has(id)) return;
    this.warned.add(id);
    this.deps.log(line);
  }
}

/** The group and name of a scheduleKey (neither can contain a slash). */
function splitKey(key: string): { readonly groupName: string; readonly name: string } {
  const slash = key.indexOf('/');
  return { groupName: key.slice(0, slash), name: key.slice(slash + 1) };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
