import { type Command, Option } from 'commander';
import type { DeadLetter, SkedClient } from '../lib/client';
import { EXIT, UsageError } from './exit-codes';
import { emit, table, wallTime, type Output } from './render';

type Context = (command: Command) => { output: Output; client: () => Promise<SkedClient>; showProgress: boolean };
type Action = <A extends unknown[]>(
  work: (command: Command, ...args: A) => Promise<number | void>,
) => (...args: unknown[]) => Promise<void>;

const QUEUES = ['jobs', 'delivery', 'all'] as const;
const CATEGORIES = ['timeout', 'http_4xx', 'http_5xx', 'task_exception', 'payload_validation', 'throttled', 'unknown'];

const EXAMPLES = {
  ls: `
Examples:
  $ sked dlq ls
  $ sked dlq ls --queue jobs --job nightly-report --json`,
  show: `
Example:
  $ sked dlq show 8f1c2a3b-...                      (a message id from sked dlq ls)`,
  redrive: `
Examples:
  $ sked dlq redrive --job nightly-report          (after fixing the job: its failed runs run again, once)
  $ sked dlq redrive --category http_5xx --max-per-second 5
  $ sked dlq redrive 8f1c2a3b-... 77d0e1f2-...     (chosen messages)`,
  purge: `
Examples:
  $ sked dlq purge 8f1c2a3b-...
  $ sked dlq purge --all --queue delivery`,
};

function deadLetterRow(output: Output, item: DeadLetter): string[] {
  return [
    item.messageId,
    item.queue,
    item.jobId ?? '',
    item.runId ?? '',
    item.reason,
    item.error !== undefined ? `${item.errorCategory ?? ''} ${item.error.class}: ${item.error.message}`.trim() : '',
    item.stale ? output.colors.dim(`stale (${item.staleReason ?? ''})`) : output.colors.yellow('redrivable'),
    wallTime(item.sentAt, output.viewerZone),
  ];
}

/** `sked dlq ls|show|redrive|purge`: DLQ triage through the API, the same on AWS and on the local cloud. */
export function addDlqCommands(program: Command, context: Context, action: Action): void {
  const dlq = program.command('dlq').description('what the DLQs hold, with errors and staleness; redrive or purge it');

  dlq
    .command('ls')
    .description('messages in the jobs DLQ and the delivery DLQ (nothing is consumed)')
    .addOption(new Option('--queue <queue>', 'which DLQ').choices([...QUEUES]).default('all'))
    .option('--job <id>', 'only messages of this job')
    .addOption(
      new Option('--category <category>', 'only copies whose last error is of this category').choices(CATEGORIES),
    )
    .option('--limit <n>', 'at most this many', '100')
    .addHelpText('after', EXAMPLES.ls)
    .action(
      action(async (command) => {
        const { output, client } = context(command);
        const options = command.opts<{
          queue: (typeof QUEUES)[number];
          job?: string;
          category?: string;
          limit: string;
        }>();
        const list = await (
          await client()
        ).listDeadLetters({
          queue: options.queue,
          limit: Number(options.limit),
          ...(options.job !== undefined && { jobId: options.job }),
          ...(options.category !== undefined && { errorCategory: options.category as never }),
        });
        emit(output, list, () =>
          [
            list.items.length === 0
              ? 'the DLQs are empty'
              : table(
                  ['message', 'queue', 'job', 'run', 'reason', 'error', 'redrive', 'sent'],
                  list.items.map((item) => deadLetterRow(output, item)),
                ),
            ...(list.truncated ? ['(more than listed: narrow the filters or raise --limit)'] : []),
          ].join('\n'),
        );
      }),
    );

  dlq
    .command('show')
    .description('one message: its job, run, error, attempts and whether a redrive would run it')
    .argument('<messageId>', 'a message id from sked dlq ls')
    .addHelpText('after', EXAMPLES.show)
    .action(
      action(async (command, messageId: string) => {
        const { output, client } = context(command);
        const list = await (await client()).listDeadLetters({ queue: 'all', limit: 1000 });
        const item = list.items.find((found) => found.messageId === messageId);
        if (item === undefined) {
          output.err(`no message ${messageId} in the DLQs${list.truncated ? ' (the listing was incomplete)' : ''}`);
          return EXIT.notFound;
        }
        emit(output, item, () =>
          Object.entries(item)
            .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
            .join('\n'),
        );
        return EXIT.ok;
      }),
    );

  dlq
    .command('redrive')
    .description('move messages back to the jobs queue (paced); stale ones stay unless --include-stale')
    .argument('[messageIds...]', 'only these messages')
    .addOption(new Option('--queue <queue>', 'which DLQ').choices([...QUEUES]).default('all'))
    .option('--job <id>', 'only messages of this job')
    .addOption(
      new Option('--category <category>', 'only copies whose last error is of this category').choices(CATEGORIES),
    )
    .option('--include-stale', 'move stale copies too (the worker acknowledges them without running)')
    .option('--max-per-second <n>', 'pace', '10')
    .addHelpText('after', EXAMPLES.redrive)
    .action(
      action(async (command, messageIds: string[]) => {
        const { output, client } = context(command);
        const options = command.opts<{
          queue: (typeof QUEUES)[number];
          job?: string;
          category?: string;
          includeStale?: boolean;
          maxPerSecond: string;
        }>();
        const maxPerSecond = Number(options.maxPerSecond);
        if (!Number.isInteger(maxPerSecond) || maxPerSecond < 1)
          throw new UsageError('--max-per-second: a whole number of at least 1');
        if (!output.json) output.err('redriving (calls again until nothing is left)...');
        const result = await (
          await client()
        ).redriveAllDeadLetters({
          queue: options.queue,
          maxPerSecond,
          includeStale: options.includeStale === true,
          ...(options.job !== undefined && { jobId: options.job }),
          ...(options.category !== undefined && { errorCategory: options.category as never }),
          ...(messageIds.length > 0 && { messageIds }),
        });
        emit(output, result, () =>
          [
            ...result.moved.map((ref) => `moved   ${ref.messageId}  ${ref.jobId ?? ''} ${ref.runId ?? ''}`),
            ...result.skippedStale.map(
              (ref) => `stale   ${ref.messageId}  ${ref.jobId ?? ''} ${ref.runId ?? ''} (${ref.staleReason})`,
            ),
            ...result.failed.map((ref) => `failed  ${ref.messageId}  ${ref.error}`),
            `${result.moved.length} moved, ${result.skippedStale.length} stale left, ${result.failed.length} failed, ${result.remaining} remaining`,
          ].join('\n'),
        );
        return result.failed.length > 0 || result.remaining > 0 ? EXIT.unavailable : EXIT.ok;
      }),
    );

  dlq
    .command('purge')
    .description('delete chosen messages, or every message of a DLQ')
    .argument('[messageIds...]', 'the messages to delete')
    .option('--all', 'every message of --queue')
    .addOption(new Option('--queue <queue>', 'which DLQ').choices([...QUEUES]))
    .addHelpText('after', EXAMPLES.purge)
    .action(
      action(async (command, messageIds: string[]) => {
        const { output, client } = context(command);
        const options = command.opts<{ all?: boolean; queue?: (typeof QUEUES)[number] }>();
        if (options.all === true && options.queue === undefined)
          throw new UsageError('--all needs --queue jobs|delivery|all');
        if (options.all !== true && messageIds.length === 0)
          throw new UsageError('name the messages, or give --all --queue Q');
        const result = await (
          await client()
        ).purgeDeadLetters(
          options.all === true
            ? { all: true, queue: options.queue ?? 'all' }
            : { messageIds, ...(options.queue !== undefined && { queue: options.queue }) },
        );
        emit(output, result, () =>
          [
            ...result.deleted.map((ref) => `deleted ${ref.messageId}  ${ref.jobId ?? ''} ${ref.runId ?? ''}`),
            ...result.failed.map((ref) => `failed  ${ref.messageId}  ${ref.error}`),
            ...(result.notFound ?? []).map((id) => `not found ${id}`),
            `${result.deleted.length} deleted, ${result.failed.length} failed`,
          ].join('\n'),
        );
        return result.failed.length > 0
          ? EXIT.unavailable
          : (result.notFound?.length ?? 0) > 0
            ? EXIT.notFound
            : EXIT.ok;
      }),
    );
}
