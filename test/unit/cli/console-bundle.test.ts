import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildConsoleAssets } from '../../../cli/console/assets';

describe('the console bundle build', () => {
  let folder: string;

  beforeEach(() => {
    // Prepare: a tiny entry with a style sheet, a licence comment and a development-only branch
    folder = mkdtempSync(join(tmpdir(), 'sked-console-bundle-'));
    writeFileSync(join(folder, 'probe.css'), '.sked-probe {\n  color: rebeccapurple;\n}\n');
    writeFileSync(
      join(folder, 'main.ts'),
      [
        '/*! probe licence text */',
        "import './probe.css';",
        "document.title = process.env.NODE_ENV === 'production' ? 'probe production build' : 'probe development build';",
        '',
      ].join('\n'),
    );
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('bundles the entry and its style sheet for production, minified, with their sizes raw and gzipped', async () => {
    // Act
    const assets = await buildConsoleAssets(folder, join(folder, 'main.ts'));

    // Assess
    expect(assets.js).toContain('probe production build');
    expect(assets.js).not.toContain('probe development build');
    expect(assets.js).not.toContain('process.env');
    expect(assets.js).not.toContain('probe licence text');
    expect(assets.css).toContain('.sked-probe{color:#639}');
    expect(assets).toMatchObject({
      jsBytes: Buffer.byteLength(assets.js),
      cssBytes: Buffer.byteLength(assets.css),
      gzipJsBytes: gzipSync(assets.js).length,
      gzipCssBytes: gzipSync(assets.css).length,
    });
  });
});
