import type { BuildOptions } from 'esbuild';
import { BUNDLE_ALIASES } from '../../cdk/constructs/sked-function';

/** NodejsFunction's `target` comes from the runtime: Node.js 24 (cdk/constructs/sked-function.ts). */
export const BUNDLE_TARGET = 'node24';

/** The esbuild options SkedFunction gives NodejsFunction, for bundling a Lambda entry the way it is deployed. */
export function lambdaBundleOptions(entryPoint: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLE_TARGET,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    alias: { ...BUNDLE_ALIASES },
    logLevel: 'error',
  };
}
