import { defineConfig } from 'vitest/config';

// Test layers. `unit` touches no network; the others talk to the local cloud, which the global setup
// reuses when an endpoint already answers at AWS_ENDPOINT_URL and starts (pinned MiniStack) otherwise.
export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-line-reporter.ts'],
    // A passing run prints the runner's summary; a failing test prints what it logged (test/support/quiet-output.ts).
    silent: 'passed-only',
    // Speed targets live in bench/; here a slow test is not news, so passing tests are not listed one by one.
    slowTestThreshold: 300_000,
    setupFiles: ['test/support/quiet-output.ts'],
    coverage: {
      provider: 'v8',
      include: ['lib/domain/**/*.ts', 'lib/use-cases/**/*.ts'],
      thresholds: { lines: 95, branches: 95, functions: 95, statements: 95 },
      // The totals; `npm run test:coverage` (or --coverage.reporter=text) lists every file.
      reporter: ['text-summary'],
    },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/handlers/**/*.test.ts', 'test/cdk/**/*.test.ts'],
          // Property tests run hundreds of cases and CDK tests synthesise whole stacks: a limit against a hang on a
          // loaded machine, not a speed target (those live in bench/).
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'cloud',
          include: [
            'test/adapters/**/*.test.ts',
            'test/contract/**/*.test.ts',
            'test/integration/**/*.test.ts',
            'test/e2e/**/*.test.ts',
          ],
          globalSetup: ['test/support/local-cloud-setup.ts'],
          env: {
            AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL ?? 'http://localhost:4566',
            AWS_ACCESS_KEY_ID: 'test',
            AWS_SECRET_ACCESS_KEY: 'test',
            AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
          },
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      // Only when `npm run test:aws` (scripts/test-aws.ts) has deployed a stage to a real AWS account and named it in
      // SKED_E2E_STAGE, so that `npm test` never runs it. Credentials and region come from the standard AWS chain.
      ...(process.env.SKED_E2E_STAGE !== undefined && process.env.SKED_E2E_STAGE !== ''
        ? [
            {
              test: {
                name: 'aws',
                include: ['test/e2e/**/*.test.ts'],
                // Metrics and alarms take minutes on AWS (test/support/e2e/aws-stage.ts); a limit against a hang.
                testTimeout: 1_800_000,
                hookTimeout: 900_000,
                fileParallelism: false,
              },
            },
          ]
        : []),
    ],
  },
});
