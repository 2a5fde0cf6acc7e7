import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { SingleBar } from 'cli-progress';
import { parse as parseYaml } from 'yaml';
import { managedMarker, planApply, writesOf, type PlanEntry } from '../lib/domain/declarations';
import { ValidationError } from '../lib/domain/errors';
import type { Job, SkedClient } from '../lib/client';
import { declarationFileSchema, type DeclaredJob } from '../lib/schemas/declarations';
import { EXIT, exitCodeOf, UsageError } from './exit-codes';
import { describeError, type Output } from './render';

export interface ApplyOptions {
  readonly file: string;
  readonly dryRun: boolean;
  readonly prune: boolean;
  /** What the jobs are marked as declared by; default the file's path from the working directory. */
  readonly source?: string | undefined;
  /** Writes under way at once. */
  readonly concurrency: number;
}

/** The declared jobs of a file, validated, and the source name they are applied under. */
export function readDeclarations(
  cwd: string,
  options: Pick<ApplyOptions, 'file' | 'source'>,
): {
  source: string;
  jobs: DeclaredJob[];
} {
  const path = isAbsolute(options.file) ? options.file : join(cwd, options.file);
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${options.file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = declarationFileSchema.safeParse(document);
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.') || '(file)', message: issue.message })),
    );
  }
  return { source: options.source ?? relative(cwd, path), jobs: parsed.data.jobs };
}

/** The plan as `terraform plan` prints one: each change, and a count of what stays. */
export function renderPlan(output: Output, source: string, plan: readonly PlanEntry[]): string {
  const { colors } = output;
  const lines = [`plan for ${source}:`];
  for (const entry of plan) {
    switch (entry.action) {
      case 'create':
        lines.push(colors.green(`  + ${entry.id}  (create)`));
        break;
      case 'update':
        lines.push(colors.yellow(`  ~ ${entry.id}  (update)`));
        if (entry.editedOutside !== undefined) {
          lines.push(
            colors.dim(
              `      changed through the API by ${entry.editedOutside.by ?? '?'} at ${entry.editedOutside.at ?? '?'}`,
            ),
          );
        }
        for (const change of entry.changes) {
          const from = change.from === undefined ? '(none)' : JSON.stringify(change.from);
          const to = change.to === undefined ? '(default)' : JSON.stringify(change.to);
          lines.push(`      ${change.path}: ${from} → ${to}`);
        }
        break;
      case 'delete':
        lines.push(colors.red(`  - ${entry.id}  (delete: no longer declared)`));
        break;
      case 'orphaned':
        lines.push(colors.dim(`  ? ${entry.id}  (no longer declared; kept: --prune deletes it)`));
        break;
      case 'conflict':
        lines.push(colors.red(`  ! ${entry.id}  (not applied: ${entry.reason})`));
        break;
      case 'unchanged':
        break;
    }
  }
  const count = (action: PlanEntry['action']) => plan.filter((entry) => entry.action === action).length;
  lines.push(
    `${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete, ` +
      `${count('unchanged')} unchanged${count('orphaned') > 0 ? `, ${count('orphaned')} no longer declared` : ''}` +
      `${count('conflict') > 0 ? `, ${count('conflict')} in conflict` : ''}`,
  );
  return lines.join('\n');
}

export interface ApplyResult {
  readonly source: string;
  readonly plan: readonly PlanEntry[];
  readonly applied: boolean;
  readonly written: readonly string[];
  readonly failed: readonly { readonly id: string; readonly error: string }[];
}

/**
 * `sked apply`: plans the file against the deployment's jobs and, unless `dryRun`, writes the changes through the
 * API (PUT with the managed-by marker and ?force=true, DELETE with ?force=true for pruned jobs). Jobs registered
 * through the API are never written. Exit: 0 applied (or nothing to do), 8 a dry run with changes, 5 conflicts, or
 * the code of the first failed write.
 */
export async function applyDeclarations(
  api: SkedClient,
  output: Output,
  cwd: string,
  options: ApplyOptions,
  showProgress: boolean,
): Promise<number> {
  const { source, jobs } = readDeclarations(cwd, options);
  const existing: Job[] = [];
  for await (const job of api.iterateJobs({ limit: 100 })) existing.push(job);
  const plan = planApply(source, jobs, existing, { prune: options.prune });
  const writes = plan.filter(
    (entry) => entry.action === 'create' || entry.action === 'update' || entry.action === 'delete',
  );
  const conflicts = plan.some((entry) => entry.action === 'conflict');

  if (!output.json) output.out(renderPlan(output, source, plan));
  if (options.dryRun) {
    if (output.json) output.out(JSON.stringify({ source, plan, applied: false, written: [], failed: [] }, null, 2));
    return writesOf(plan) > 0 ? EXIT.changes : conflicts ? EXIT.conflict : EXIT.ok;
  }

  const written: string[] = [];
  const failed: { id: string; error: string; code: number }[] = [];
  const bar =
    showProgress && writes.length > 0
      ? new SingleBar({ format: 'applying [{bar}] {value}/{total}', stream: process.stderr })
      : undefined;
  bar?.start(writes.length, 0);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < writes.length; index = next++) {
      const entry = writes[index];
      if (entry === undefined) continue;
      try {
        if (entry.action === 'delete') {
          await api.deleteJob(entry.id, { force: true });
        } else if (entry.action === 'create' || entry.action === 'update') {
          await api.putJob(entry.id, { ...entry.job, managedBy: managedMarker(source, entry.job) }, { force: true });
        }
        written.push(entry.id);
      } catch (error) {
        failed.push({ id: entry.id, error: describeError(output.colors, error), code: exitCodeOf(error) });
      }
      bar?.increment();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  bar?.stop();

  const result: ApplyResult = {
    source,
    plan,
    applied: true,
    written: written.sort(),
    failed: failed.map(({ id, error }) => ({ id, error })),
  };
  if (output.json) {
    output.out(JSON.stringify(result, null, 2));
  } else {
    for (const failure of failed) output.err(`${failure.id}: ${failure.error}`);
    output.out(`applied: ${written.length} written, ${failed.length} failed`);
  }
  if (failed[0] !== undefined) return failed[0].code;
  return conflicts ? EXIT.conflict : EXIT.ok;
}
