import type { DeclaredJob } from '../schemas/declarations';
import type { ManagedBy } from '../schemas/job';
import type { Job } from '../schemas/job';
import { ValidationError, type FieldIssue } from './errors';

/**
 * Planning an apply of jobs declared in code (docs/design.md#jobs-declared-in-code): what to create, update (with
 * the fields that change) and delete, compared with the jobs that exist. Pure: the CLI plans against a listing, the
 * deploy-time apply against the job store, and both write through the jobs use cases.
 */

/** JSON with object keys sorted, so that equal documents have one spelling. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** 64-bit FNV-1a of the canonical JSON, in hex: tells whether a declaration changed since it was applied. */
export function declarationDigest(job: DeclaredJob): string {
  let hash = 0xcbf29ce484222325n;
  const bytes = new TextEncoder().encode(canonicalJson(withoutMarker(job)));
  for (const byte of bytes) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

function withoutMarker(job: DeclaredJob): Record<string, unknown> {
  const { managedBy: _managedBy, ...rest } = job as DeclaredJob & { managedBy?: unknown };
  return rest;
}

/** The marker an apply writes on a declared job. */
export function managedMarker(source: string, job: DeclaredJob): ManagedBy {
  return {
    source,
    digest: declarationDigest(job),
    fields: Object.keys(withoutMarker(job))
      .filter((key) => key !== 'id')
      .sort(),
  };
}

export interface FieldChange {
  /** Dotted path: `trigger.expression`, `retry.maxAttempts`. */
  readonly path: string;
  /** As the job has it now; absent when it has none. */
  readonly from?: unknown;
  /** As declared; absent when the declaration leaves the field out (it returns to its default). */
  readonly to?: unknown;
}

export type PlanEntry =
  | { readonly id: string; readonly action: 'create'; readonly job: DeclaredJob }
  | {
      readonly id: string;
      readonly action: 'update';
      readonly job: DeclaredJob;
      readonly changes: readonly FieldChange[];
      /** Set when the job was changed through the API with ?force=true since it was applied. */
      readonly editedOutside?: { readonly at?: string; readonly by?: string };
    }
  | { readonly id: string; readonly action: 'unchanged' }
  /** Declared here before, no longer: deleted with prune, else kept and reported. */
  | { readonly id: string; readonly action: 'delete' | 'orphaned' }
  /** The id belongs to a job this declaration does not manage: never touched. */
  | { readonly id: string; readonly action: 'conflict'; readonly reason: string };

export interface PlanOptions {
  readonly prune: boolean;
}

type ExistingJob = Job;

/**
 * The plan for `declared` (from `source`) against the jobs that exist. Jobs registered through the API, and jobs
 * declared by another source, are never planned for: a declared id that is theirs is a conflict. Throws a
 * ValidationError naming each declared id used twice.
 */
export function planApply(
  source: string,
  declared: readonly DeclaredJob[],
  existing: readonly ExistingJob[],
  options: PlanOptions,
): PlanEntry[] {
  assertUniqueIds(declared);
  const byId = new Map(existing.map((job) => [job.id, job]));
  const plan: PlanEntry[] = [];
  for (const job of declared) {
    const current = byId.get(job.id);
    if (current === undefined) {
      plan.push({ id: job.id, action: 'create', job });
      continue;
    }
    if (current.managedBy === undefined) {
      plan.push({
        id: job.id,
        action: 'conflict',
        reason: 'a job registered through the API has this id; apply never changes it (rename one of them)',
      });
      continue;
    }
    if (current.managedBy.source !== source) {
      plan.push({ id: job.id, action: 'conflict', reason: `declared in ${current.managedBy.source}` });
      continue;
    }
    if (current.managedBy.digest === declarationDigest(job)) {
      plan.push({ id: job.id, action: 'unchanged' });
      continue;
    }
    const { editedAt, editedBy } = current.managedBy;
    plan.push({
      id: job.id,
      action: 'update',
      job,
      changes: fieldChanges(job, current),
      ...((editedAt !== undefined || editedBy !== undefined) && {
        editedOutside: {
          ...(editedAt !== undefined && { at: editedAt }),
          ...(editedBy !== undefined && { by: editedBy }),
        },
      }),
    });
  }
  const declaredIds = new Set(declared.map((job) => job.id));
  for (const job of existing) {
    if (job.managedBy?.source !== source || declaredIds.has(job.id)) continue;
    plan.push({ id: job.id, action: options.prune ? 'delete' : 'orphaned' });
  }
  return plan.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * What an update changes: each declared value that differs from the job's (objects compared member by member, so a
 * partial `retry` is compared only where it says something), and each field the last apply declared that this
 * declaration leaves out.
 */
export function fieldChanges(job: DeclaredJob, current: ExistingJob): FieldChange[] {
  const changes: FieldChange[] = [];
  const declaredFields = withoutMarker(job);
  const currentFields = current as unknown as Record<string, unknown>;
  for (const [field, value] of Object.entries(declaredFields)) {
    if (field === 'id') continue;
    diff(field, currentFields[field], value, changes);
  }
  for (const field of current.managedBy?.fields ?? []) {
    if (field in declaredFields || currentFields[field] === undefined) continue;
    changes.push({ path: field, from: currentFields[field] });
  }
  return changes;
}

function diff(path: string, from: unknown, to: unknown, into: FieldChange[]): void {
  const isObject = (value: unknown): value is Record<string, unknown> =>
    value !== null && typeof value === 'object' && !Array.isArray(value);
  // A trigger is stored as written, so it is compared whole; other objects (a target, a partial retry) member by
  // member, as the job holds their defaults too.
  if (path !== 'trigger' && isObject(to) && isObject(from) && from['type'] === to['type']) {
    for (const [key, value] of Object.entries(to)) diff(`${path}.${key}`, from[key], value, into);
    return;
  }
  if (canonicalJson(from) === canonicalJson(to)) return;
  into.push({ path, ...(from !== undefined && { from }), to });
}

function assertUniqueIds(declared: readonly DeclaredJob[]): void {
  const seen = new Map<string, number>();
  const issues: FieldIssue[] = [];
  declared.forEach((job, index) => {
    const first = seen.get(job.id);
    if (first !== undefined) {
      issues.push({ path: `jobs.${index}.id`, message: `'${job.id}' is declared twice (also jobs.${first}.id)` });
    } else {
      seen.set(job.id, index);
    }
  });
  if (issues.length > 0) throw new ValidationError(issues);
}

/** How many writes a plan makes. */
export function writesOf(plan: readonly PlanEntry[]): number {
  return plan.filter((entry) => entry.action === 'create' || entry.action === 'update' || entry.action === 'delete')
    .length;
}
