/**
 * Builds the console's page from `console/src/main.tsx` with esbuild, in memory, when `sked console` starts (about a
 * second): one JavaScript file (React, TanStack Query, Chart.js and the console, minified) and one style sheet
 * (Pico CSS and the console's).
 */
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { ConsoleAssets } from './server';

export interface BuiltConsoleAssets extends ConsoleAssets {
  readonly jsBytes: number;
  readonly cssBytes: number;
  readonly gzipJsBytes: number;
  readonly gzipCssBytes: number;
}

export async function buildConsoleAssets(
  projectRoot: string,
  entry = join(projectRoot, 'console', 'src', 'main.tsx'),
): Promise<BuiltConsoleAssets> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    write: false,
    outdir: join(projectRoot, 'dist', 'console'),
    entryNames: 'main',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    logLevel: 'silent',
    absWorkingDir: projectRoot,
  });
  const js = result.outputFiles.find((file) => file.path.endsWith('.js'))?.text;
  const css = result.outputFiles.find((file) => file.path.endsWith('.css'))?.text ?? '';
  if (js === undefined) throw new Error(`sked console: esbuild made no JavaScript from ${entry}`);
  return {
    js,
    css,
    jsBytes: Buffer.byteLength(js),
    cssBytes: Buffer.byteLength(css),
    gzipJsBytes: gzipSync(js).length,
    gzipCssBytes: gzipSync(css).length,
  };
}
