/**
 * Deploys sked's real CDK app to the local cloud with cdklocal, reads its outputs, and destroys it again. Used by the
 * end-to-end test and by `npm run local`. For the stage `npm run test:aws` deployed to AWS (SKED_E2E_STAGE), it only
 * reads that stage's outputs: scripts/test-aws.ts deploys and destroys it.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import * as z from 'zod';
import { PROJECT_ROOT } from '../../../cdk/constructs/sked-function';
import { localAwsEnv } from '../../../scripts/local-cloud';
import { REDRIVE_MAX_RECEIVE_COUNT } from '../../../cdk/constructs/sked-queues';
import { LocalBridge, type LocalBridgeDeps } from '../../../scripts/local/local-bridge';
import { guardedClient } from '../aws-clients';
import { awsStage } from './aws-stage';

const outputsSchema = z
  .object({
    ApiId: z.string(),
    ApiStage: z.string(),
    ScheduleGroupName: z.string(),
    JobsQueueUrl: z.string(),
    JobsDlqUrl: z.string(),
    DeliveryDlqUrl: z.string(),
    PageTopicArn: z.string(),
    TicketTopicArn: z.string(),
    WorkerFunctionName: z.string(),
    WorkerLogGroupName: z.string(),
    MetricsNamespace: z.string(),
    JobsDlqDepthAlarmName: z.string(),
  })
  .catchall(z.string());
/** The stateless stack's outputs (every alarm's name is one too: `<AlarmId>AlarmName`). */
export type SkedOutputs = z.infer<typeof outputsSchema>;

export interface LocalSked {
  readonly stage: string;
  readonly stackNames: readonly string[];
  readonly outputs: SkedOutputs;
  /**
   * Base URL of the API: `${endpoint}/restapis/<id>/<stage>/_user_request_` on the local cloud,
   * `https://<id>.execute-api.<region>.amazonaws.com/<stage>` on AWS.
   */
  readonly apiBaseUrl: string;
}

export function stackNames(stage: string): readonly [string, string] {
  return [`Sked-${stage}-Stateful`, `Sked-${stage}-Stateless`];
}

/** API Gateway's local invocation URL (the emulator's path-style form of `https://<id>.execute-api...`). */
export function localApiBaseUrl(endpoint: string, apiId: string, stageName: string): string {
  return `${endpoint.replace(/\/$/, '')}/restapis/${apiId}/${stageName}/_user_request_`;
}

/** API Gateway's invoke URL on AWS. */
export function awsApiBaseUrl(region: string, apiId: string, stageName: string): string {
  return `https://${apiId}.execute-api.${region}.amazonaws.com/${stageName}`;
}

function cdkLocal(args: readonly string[], endpoint: string, quiet: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(PROJECT_ROOT, 'node_modules', '.bin', 'cdklocal'), args, {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...localAwsEnv(endpoint), CDK_DISABLE_VERSION_CHECK: '1' },
      stdio: quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`cdklocal ${args.join(' ')} exited with ${code}\n${output.slice(-4000)}`));
    });
  });
}

export async function readOutputs(stage: string): Promise<SkedOutputs> {
  const client = guardedClient(CloudFormationClient);
  const [, stateless] = stackNames(stage);
  const described = await client.send(new DescribeStacksCommand({ StackName: stateless }));
  const outputs: Record<string, string> = {};
  for (const output of described.Stacks?.[0]?.Outputs ?? []) {
    if (output.OutputKey !== undefined && output.OutputValue !== undefined)
      outputs[output.OutputKey] = output.OutputValue;
  }
  const parsed = outputsSchema.safeParse(outputs);
  if (!parsed.success) throw new Error(`stack ${stateless} lacks outputs: ${parsed.error.message}`);
  return parsed.data;
}

/**
 * Bootstraps (idempotent) and deploys both stacks of a stage, each deployment into its own cloud assembly dir.
 * `context` adds `-c key=value` to the deploy (e.g. `schedulesFile`, cdk/app.ts).
 */
export async function deploySked(
  stage: string,
  endpoint: string,
  options: { readonly quiet?: boolean; readonly context?: Readonly<Record<string, string>> } = {},
): Promise<LocalSked> {
  if (stage === awsStage()) return deployedOnAws(stage);
  const quiet = options.quiet ?? true;
  const assembly = join('cdk.out', `local-${stage}`);
  const context = Object.entries(options.context ?? {}).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  await cdkLocal(['bootstrap', '--output', assembly, '-c', `stage=${stage}`], endpoint, quiet);
  await cdkLocal(
    ['deploy', '--all', '--require-approval', 'never', '--output', assembly, '-c', `stage=${stage}`, ...context],
    endpoint,
    quiet,
  );
  const outputs = await readOutputs(stage);
  return {
    stage,
    stackNames: stackNames(stage),
    outputs,
    apiBaseUrl: localApiBaseUrl(endpoint, outputs.ApiId, outputs.ApiStage),
  };
}

/** The stage scripts/test-aws.ts deployed to AWS, read from its stack outputs in the region the SDK resolves. */
async function deployedOnAws(stage: string): Promise<LocalSked> {
  const outputs = await readOutputs(stage);
  const region = await guardedClient(CloudFormationClient).config.region();
  return {
    stage,
    stackNames: stackNames(stage),
    outputs,
    apiBaseUrl: awsApiBaseUrl(region, outputs.ApiId, outputs.ApiStage),
  };
}

export async function destroySked(
  stage: string,
  endpoint: string,
  options: { readonly quiet?: boolean } = {},
): Promise<void> {
  // The stage on AWS outlives each test file; scripts/test-aws.ts destroys it once the suite is done.
  if (stage === awsStage()) return;
  const assembly = join('cdk.out', `local-${stage}`);
  await cdkLocal(
    ['destroy', '--all', '--force', '--output', assembly, '-c', `stage=${stage}`],
    endpoint,
    options.quiet ?? true,
  );
  rmSync(join(PROJECT_ROOT, assembly), { recursive: true, force: true });
}

/**
 * The local-only bridge for a deployed stage (scripts/local/local-bridge.ts): re-applies the jobs queue's redrive
 * policy if the emulator dropped it, then publishes the queue and EMF metrics every `intervalMs` until stopped.
 */
export async function startLocalBridge(
  deps: LocalBridgeDeps,
  sked: LocalSked,
  intervalMs?: number,
): Promise<LocalBridge> {
  const bridge = new LocalBridge(deps, {
    jobsQueueUrl: sked.outputs.JobsQueueUrl,
    jobsDlqUrl: sked.outputs.JobsDlqUrl,
    deliveryDlqUrl: sked.outputs.DeliveryDlqUrl,
    workerLogGroupName: sked.outputs.WorkerLogGroupName,
    maxReceiveCount: REDRIVE_MAX_RECEIVE_COUNT,
  });
  await bridge.ensureRedrivePolicy();
  bridge.start(intervalMs);
  return bridge;
}
