import type { Command } from 'commander';
import type { Authenticate } from '../../lib/client/auth';
import { UsageError } from '../exit-codes';
import type { Output } from '../render';
import { resolveTarget, type StackOutputsReader, type Target, type TargetOptions } from '../target';
import { startConsoleServer, type ConsoleAssets } from './server';

/** What `sked console` needs from its surroundings; tests hand in fakes. */
export interface ConsoleDeps {
  /** How the local server authenticates its calls to the deployment (SigV4 or a JWT, as the other commands). */
  readonly authenticate: (target: Target) => Authenticate;
  /** The page's bundle. */
  readonly assets: () => Promise<ConsoleAssets & { readonly gzipJsBytes?: number; readonly gzipCssBytes?: number }>;
  /** Opens a URL in the user's browser; rejects when it cannot. */
  readonly openBrowser: (url: string) => Promise<void>;
  /** Resolves when the user stops the console (Ctrl-C, SIGTERM). */
  readonly untilStopped: () => Promise<void>;
}

type Context = (command: Command) => { output: Output };
type Action = <A extends unknown[]>(
  work: (command: Command, ...args: A) => Promise<number | void>,
) => (...args: unknown[]) => Promise<void>;

interface Surroundings {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly readOutputs: StackOutputsReader;
  readonly console: ConsoleDeps;
}

const EXAMPLES = `
Examples:
  $ sked console                                      (the deployment \`npm run local\` started)
  $ sked --stage prod console --port 8080 --no-open

The console is served on 127.0.0.1 only. It calls the API through this process, which signs every call with your
credentials (the AWS credential chain, or SKED_TOKEN): the browser never holds one. The URL printed opens the
console once (within 10 minutes); other pages and other users of the machine cannot use the console without it.`;

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;

/** `sked console`: the web console of a deployment, served locally. */
export function addConsoleCommand(program: Command, context: Context, action: Action, deps: Surroundings): void {
  program
    .command('console')
    .description('serve the web console on 127.0.0.1 and open it: jobs, next fire times, runs, DLQ triage')
    .option('--port <n>', 'the port on 127.0.0.1 (default: a free one)', '0')
    .option('--no-open', 'print the URL instead of opening a browser')
    .addHelpText('after', EXAMPLES)
    .action(
      action(async (command) => {
        const { output } = context(command);
        const options = command.optsWithGlobals<TargetOptions & { port: string; open: boolean }>();
        const port = Number(options.port);
        if (!Number.isInteger(port) || port < 0 || port > 65_535) {
          throw new UsageError(`--port: '${options.port}' is not a port number (0-65535)`);
        }
        const target = await resolveTarget(options, deps.env, deps.cwd, deps.readOutputs);
        const assets = await deps.console.assets();
        const server = await startConsoleServer({
          baseUrl: target.baseUrl,
          authenticate: deps.console.authenticate(target),
          assets,
          info: { baseUrl: target.baseUrl, source: target.source, region: target.region, local: target.local },
          port,
        });
        try {
          output.out(`sked console: ${server.openUrl}`);
          output.out(`talking to ${target.baseUrl} (${target.source}); Ctrl-C stops it`);
          if (assets.gzipJsBytes !== undefined && assets.gzipCssBytes !== undefined) {
            output.err(
              `page: ${kib(Buffer.byteLength(assets.js))} script (${kib(assets.gzipJsBytes)} gzipped), ` +
                `${kib(Buffer.byteLength(assets.css))} styles (${kib(assets.gzipCssBytes)} gzipped)`,
            );
          }
          if (options.open) {
            await deps.console.openBrowser(server.openUrl).catch(() => {
              output.err('could not open a browser: open the URL above by hand');
            });
          }
          await deps.console.untilStopped();
        } finally {
          await server.close();
        }
      }),
    );
}
