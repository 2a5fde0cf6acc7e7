/**
 * `npm run build`: bundles each Lambda entry point the way the CDK deploys it to production
 * (cdk/constructs/sked-function.ts: ESM for Node.js 24, minified, source maps, the AWS SDK included, the same module
 * aliases, without the local stage's AWS limits guard) into dist/<name>/index.mjs, and prints each bundle's size.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { lambdaBundleOptions } from '../cdk/constructs/sked-function';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const LAMBDA_ENTRIES = ['api', 'worker', 'reconcile', 'apply-schedules'] as const;

rmSync(join(root, 'dist'), { recursive: true, force: true });
for (const name of LAMBDA_ENTRIES) {
  const outfile = join(root, 'dist', name, 'index.mjs');
  mkdirSync(dirname(outfile), { recursive: true });
  await build({ ...lambdaBundleOptions(join(root, 'functions', `${name}.ts`), outfile), logLevel: 'warning' });
  console.log(`dist/${name}/index.mjs  ${(statSync(outfile).size / 1024).toFixed(1)} KiB`);
}
