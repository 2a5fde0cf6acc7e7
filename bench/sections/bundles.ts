/**
 * Section 3: each Lambda bundle's size and module-load time, against the same handler unbundled.
 *
 * Bundled: esbuild with the options cdk/constructs/sked-function.ts gives NodejsFunction (ESM, minified, external
 * source map without sources content, main fields module,main, the createRequire banner, nothing external, the
 * target of the function's runtime, the same module aliases), as deployed to production: without the local stage's
 * AWS limits guard. Unbundled: our own sources compiled to one unminified ESM file with every
 * package left external, so the handler loads its dependencies from node_modules file by file, as a zip deployment
 * of the compiled sources with node_modules would. Each load is a fresh `node` process importing the entry, with
 * NODE_OPTIONS=--enable-source-maps as the functions are configured; the figure is the import's duration.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { DEFAULT_JOB_POLICIES } from '../../lib/schemas/job';
import { ENV } from '../../lib/schemas/config';
import { BUNDLE_TARGET, lambdaBundleOptions } from '../../cdk/constructs/sked-function';
import { spread, type Spread } from '../support/stats';

const run = promisify(execFile);

export interface BundleResult {
  readonly entry: string;
  readonly minifiedBytes: number;
  readonly sourceMapBytes: number;
  /** The largest packages in the minified bundle. */
  readonly topPackages: readonly { readonly name: string; readonly bytes: number }[];
  readonly bundledLoadMs: Spread;
  readonly unbundledLoadMs: Spread;
  /** bundled / unbundled, paired by repetition. */
  readonly loadRatio: Spread;
}

/** The Lambda entries: functions/*.ts that export a handler. */
export function lambdaEntries(root: string): string[] {
  const dir = join(root, 'functions');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.ts') && statSync(join(dir, file)).isFile())
    .filter((file) => /export\s+const\s+handler\b/.test(readFileSync(join(dir, file), 'utf8')))
    .map((file) => file.replace(/\.ts$/, ''))
    .sort();
}

async function bundle(root: string, entry: string, outfile: string) {
  const result = await build({
    ...lambdaBundleOptions(join(root, 'functions', `${entry}.ts`), outfile),
    metafile: true,
  });
  return result.metafile;
}

function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (match?.[1] !== undefined) return match[1];
  return input.split('/').slice(0, 2).join('/');
}

/** Dummy configuration so that each entry's cold-start config parse passes; nothing is called at import time. */
export function entryEnvironment(): Record<string, string> {
  return {
    [ENV.jobsTable]: 'bench-jobs',
    [ENV.runsTable]: 'bench-runs',
    [ENV.scheduleGroup]: 'bench-group',
    [ENV.jobsQueueUrl]: 'http://localhost:4566/000000000000/bench-jobs',
    [ENV.jobsQueueArn]: 'arn:aws:sqs:us-east-1:000000000000:bench-jobs',
    [ENV.jobsDlqUrl]: 'http://localhost:4566/000000000000/bench-dlq',
    [ENV.deliveryDlqArn]: 'arn:aws:sqs:us-east-1:000000000000:bench-delivery-dlq',
    [ENV.schedulerRoleArn]: 'arn:aws:iam::000000000000:role/bench-scheduler',
    [ENV.eventBusName]: 'bench-bus',
    [ENV.jobDefaults]: JSON.stringify(DEFAULT_JOB_POLICIES),
    [ENV.webhookSecretArn]: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bench',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    POWERTOOLS_SERVICE_NAME: 'bench',
    POWERTOOLS_METRICS_NAMESPACE: 'Bench',
  };
}

const LOADER = `
const start = performance.now();
await import(process.argv[2]);
const ms = performance.now() - start;
process.stdout.write(JSON.stringify({ ms }) + '\\n');
process.exit(0);
`;

async function loadOnce(loader: string, file: string): Promise<number> {
  const { stdout } = await run(process.execPath, [loader, file], {
    env: { PATH: process.env.PATH ?? '', ...entryEnvironment(), NODE_OPTIONS: '--enable-source-maps' },
    timeout: 60_000,
  });
  const line = stdout.trim().split('\n').pop() ?? '';
  const parsed: unknown = JSON.parse(line);
  if (typeof parsed !== 'object' || parsed === null || !('ms' in parsed) || typeof parsed.ms !== 'number') {
    throw new Error(`unexpected loader output: ${line}`);
  }
  return parsed.ms;
}

export async function measureBundles(root: string, work: string, repetitions: number): Promise<BundleResult[]> {
  const bundled = join(work, 'bundled');
  const unbundled = join(work, 'unbundled');
  for (const dir of [bundled, unbundled]) mkdirSync(dir, { recursive: true });
  // The unbundled output resolves its packages from the project's node_modules, as a deployment package would.
  symlinkSync(join(root, 'node_modules'), join(unbundled, 'node_modules'), 'dir');
  const loader = join(work, 'load.mjs');
  writeFileSync(loader, LOADER);

  const results: BundleResult[] = [];
  for (const entry of lambdaEntries(root)) {
    const bundledFile = join(bundled, `${entry}.mjs`);
    const meta = await bundle(root, entry, bundledFile);
    const output = meta.outputs[Object.keys(meta.outputs).find((key) => key.endsWith(`${entry}.mjs`)) ?? ''];
    const byPackage = new Map<string, number>();
    for (const [input, info] of Object.entries(output?.inputs ?? {})) {
      const name = packageOf(input);
      byPackage.set(name, (byPackage.get(name) ?? 0) + info.bytesInOutput);
    }
    const topPackages = [...byPackage.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([name, bytes]) => ({ name, bytes }));

    const unbundledFile = join(unbundled, `${entry}.mjs`);
    await build({
      entryPoints: [join(root, 'functions', `${entry}.ts`)],
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: BUNDLE_TARGET,
      outfile: unbundledFile,
      logLevel: 'error',
    });

    // Alternate the two, after one untimed load of each to warm the file cache.
    await loadOnce(loader, bundledFile);
    await loadOnce(loader, unbundledFile);
    const bundledMs: number[] = [];
    const unbundledMs: number[] = [];
    for (let i = 0; i < repetitions; i++) {
      bundledMs.push(await loadOnce(loader, bundledFile));
      unbundledMs.push(await loadOnce(loader, unbundledFile));
    }
    const ratios = bundledMs.map((ms, i) => ms / (unbundledMs[i] ?? Number.NaN));
    results.push({
      entry,
      minifiedBytes: statSync(bundledFile).size,
      sourceMapBytes: statSync(`${bundledFile}.map`).size,
      topPackages,
      bundledLoadMs: spread(bundledMs),
      unbundledLoadMs: spread(unbundledMs),
      loadRatio: spread(ratios),
    });
  }
  return results;
}
