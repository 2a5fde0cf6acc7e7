import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installSchemathesis, SCHEMATHESIS_VERSION } from '../../scripts/local-cloud';
import { startSigningProxy, type SigningProxy } from '../../scripts/local/signing-proxy';
import { awsStage } from '../support/e2e/aws-stage';
import { deploySked, destroySked, type LocalSked } from '../support/e2e/deployment';

/**
 * Fuzzes the Jobs API's contract: Schemathesis reads the deployed stage's own /openapi.json and sends generated
 * requests (examples, coverage, fuzzing and stateful phases) through API Gateway, checking every answer against the
 * document. Bounded so that `npm test` stays short on a 2-core machine: a case budget per operation, one worker, a
 * per-request timeout, and a wall-clock cap after which the run is killed and the test fails.
 * Under `npm run test:aws` it fuzzes the stage deployed to AWS through a local signing proxy, since Schemathesis
 * cannot sign requests with SigV4 and AWS verifies the signatures.
 */
const onAws = awsStage();
const endpoint = process.env.AWS_ENDPOINT_URL ?? 'http://localhost:4566';
const stage = onAws ?? `local-fuzz${randomUUID().slice(0, 8)}`;

const FUZZ_BOUNDS = {
  /** Generated cases per operation and phase. */
  maxExamples: 25,
  // One worker: with two, Hypothesis's source inspection races between threads on Python 3.11 and now and then
  // ends the run with an internal error ("AST constructor recursion depth mismatch") that is no finding.
  workers: 1,
  requestTimeoutSeconds: 10,
  /**
   * The whole Schemathesis run; it takes 70-90 s (about 3,300 cases) locally. On AWS every case crosses the internet
   * and the signing proxy, a round trip of tens to hundreds of milliseconds.
   */
  wallClockMs: onAws === undefined ? 150_000 : 900_000,
} as const;

const EXCLUDED_CHECKS = [
  // ignored_auth sends requests with the credentials altered and expects them refused. The local cloud checks only
  // that an Authorization header is present and verifies no SigV4 signature (AWS does), so it accepts them here. On
  // AWS the signing proxy replaces whatever credentials a request carries with a valid signature, so altered ones
  // never reach API Gateway and the check cannot apply there either.
  'ignored_auth',
  // missing_required_header expects 401 when the Authorization header is left out, the only required header of this
  // API; API Gateway with IAM authorization answers 403 (Missing Authentication Token), here and on AWS alike.
  'missing_required_header',
  // positive_data_acceptance expects every schema-valid request to be accepted. The API also enforces what JSON
  // Schema cannot say (rules across fields, dates relative to now, cron syntax, registered task names and their
  // payload schemas, opaque cursors): the document states them in descriptions, and such requests answer 400.
  'positive_data_acceptance',
];

/**
 * Any syntactically complete SigV4 Authorization header: the local cloud checks that one is present, not its
 * signature, and Schemathesis cannot sign requests. On AWS the signing proxy replaces it with a real signature.
 */
const AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=0';

interface Finished {
  readonly code: number | null;
  readonly output: string;
  readonly timedOut: boolean;
}

function runSchemathesis(bin: string, args: readonly string[], cwd: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, FUZZ_BOUNDS.wallClockMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

describe('the Jobs API against its own OpenAPI document', () => {
  let sked: LocalSked;
  let workDir: string;
  let schemathesis: string;
  let proxy: SigningProxy | undefined;
  /** Where Schemathesis sends its requests: the API itself, or on AWS the signing proxy in front of it. */
  let apiBaseUrl: string;

  beforeAll(async () => {
    // Prepare: the fuzzer and a stage of its own
    schemathesis = installSchemathesis();
    workDir = mkdtempSync(join(tmpdir(), 'sked-fuzz-'));
    sked = await deploySked(stage, endpoint);
    if (onAws !== undefined)
      proxy = await startSigningProxy({
        target: sked.apiBaseUrl,
        region: process.env.AWS_REGION ?? 'us-east-1',
        service: 'execute-api',
        credentials: defaultProvider(),
      });
    apiBaseUrl = proxy?.url ?? sked.apiBaseUrl;
  }, 300_000);

  afterAll(async () => {
    await proxy?.close();
    rmSync(workDir, { recursive: true, force: true });
    await destroySked(stage, endpoint).catch((error: unknown) => console.error(error));
  }, 300_000);

  it(
    `passes every Schemathesis ${SCHEMATHESIS_VERSION} check but those that cannot apply`,
    async () => {
      // Act
      const run = await runSchemathesis(
        schemathesis,
        [
          'run',
          `${apiBaseUrl}/openapi.json`,
          '--url',
          apiBaseUrl,
          '--header',
          `Authorization: ${AUTHORIZATION}`,
          '--checks',
          'all',
          '--exclude-checks',
          EXCLUDED_CHECKS.join(','),
          '--max-examples',
          String(FUZZ_BOUNDS.maxExamples),
          '--workers',
          String(FUZZ_BOUNDS.workers),
          '--request-timeout',
          String(FUZZ_BOUNDS.requestTimeoutSeconds),
          '--no-color',
        ],
        workDir,
      );

      // Assess
      expect(run.timedOut, `schemathesis ran past ${FUZZ_BOUNDS.wallClockMs} ms\n${run.output}`).toBe(false);
      expect(run.code, run.output).toBe(0);
    },
    FUZZ_BOUNDS.wallClockMs + 10_000,
  );
});
