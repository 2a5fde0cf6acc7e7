import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { UsageError } from './exit-codes';

/** Which deployment a command talks to, and how to sign for it. */
export interface Target {
  /** The API's URL with its stage. */
  readonly baseUrl: string;
  readonly region: string;
  /** How it was found, for `sked --verbose` and error messages. */
  readonly source: string;
  /** The local cloud takes any credentials; sked signs with static test ones there. */
  readonly local: boolean;
}

export interface TargetOptions {
  readonly api?: string | undefined;
  readonly stage?: string | undefined;
  readonly region?: string | undefined;
}

/** Reads a stack's outputs; undefined when the stack does not exist. */
export type StackOutputsReader = (
  stackName: string,
  options: { readonly region: string; readonly endpoint?: string },
) => Promise<Record<string, string> | undefined>;

const localSessionSchema = z.object({ stage: z.string(), endpoint: z.string() });

/** The stateless stack of a stage, which carries the API outputs (cdk/app.ts names it). */
export const statelessStackName = (stage: string): string => `Sked-${stage}-Stateless`;

/**
 * Finds the deployment: `--api URL` as given; `--stage NAME` from that stage's stack outputs (on the local cloud
 * when AWS_ENDPOINT_URL is set, else on AWS in the region); otherwise the local deployment `npm run local` recorded
 * in `.local-cloud/local-session.json`.
 */
export async function resolveTarget(
  options: TargetOptions,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  readOutputs: StackOutputsReader,
): Promise<Target> {
  const region = options.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1';
  const endpoint = env['AWS_ENDPOINT_URL'];
  if (options.api !== undefined) {
    let url: URL;
    try {
      url = new URL(options.api);
    } catch {
      throw new UsageError(`--api: '${options.api}' is not a URL`);
    }
    const local = endpoint !== undefined && url.origin === new URL(endpoint).origin;
    return { baseUrl: url.toString().replace(/\/$/, ''), region, source: '--api', local };
  }
  if (options.stage !== undefined) {
    return fromStage(options.stage, region, endpoint, readOutputs, `--stage ${options.stage}`);
  }
  const sessionFile = join(cwd, '.local-cloud', 'local-session.json');
  if (existsSync(sessionFile)) {
    const session = localSessionSchema.safeParse(JSON.parse(readFileSync(sessionFile, 'utf8')));
    if (session.success) {
      return fromStage(session.data.stage, region, session.data.endpoint, readOutputs, 'npm run local');
    }
  }
  throw new UsageError(
    'no deployment given: pass --stage NAME (its stack outputs name the API), --api URL, or start `npm run local`',
  );
}

async function fromStage(
  stage: string,
  region: string,
  endpoint: string | undefined,
  readOutputs: StackOutputsReader,
  source: string,
): Promise<Target> {
  const stackName = statelessStackName(stage);
  const outputs = await readOutputs(stackName, { region, ...(endpoint !== undefined && { endpoint }) });
  const apiId = outputs?.['ApiId'];
  const apiStage = outputs?.['ApiStage'];
  if (apiId === undefined || apiStage === undefined) {
    const where = endpoint !== undefined ? `on ${endpoint}` : `in ${region}`;
    throw new UsageError(`stage '${stage}': no stack ${stackName} with ApiId and ApiStage outputs ${where}`);
  }
  const baseUrl =
    endpoint !== undefined
      ? `${endpoint.replace(/\/$/, '')}/restapis/${apiId}/${apiStage}/_user_request_`
      : `https://${apiId}.execute-api.${region}.amazonaws.com/${apiStage}`;
  return { baseUrl, region, source, local: endpoint !== undefined };
}
