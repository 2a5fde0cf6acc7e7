import { describe, expect, it } from 'vitest';
import { buildConsoleAssets } from '../../../cli/console/assets';
import { PROJECT_ROOT } from '../../../cdk/constructs/sked-function';

/** The page's size budget (README, "The web console"): what a laptop loads from 127.0.0.1, gzipped. */
const BUDGET = { gzipJsBytes: 250 * 1024, gzipCssBytes: 24 * 1024 };

describe('the console page bundle', () => {
  it('builds within its size budget', async () => {
    // Act
    const assets = await buildConsoleAssets(PROJECT_ROOT);

    // Assess
    expect(assets.gzipJsBytes).toBeLessThan(BUDGET.gzipJsBytes);
    expect(assets.gzipCssBytes).toBeLessThan(BUDGET.gzipCssBytes);
    expect(assets.js).toContain('x-sked-console');
  });

  it('holds no code that reads or signs with AWS credentials', async () => {
    // Act
    const { js } = await buildConsoleAssets(PROJECT_ROOT);

    // Assess: no credential chain, no signer, no access to credential variables or files
    for (const marker of ['AWS_SECRET_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS4-HMAC-SHA256', 'aws_secret_access_key']) {
      expect(js).not.toContain(marker);
    }
  });
});
