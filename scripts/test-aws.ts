/**
 * `npm run test:aws`: the end-to-end suite (test/e2e) against a throwaway stage in a real AWS account.
 *
 * Refuses to run against the local cloud (AWS_ENDPOINT_URL set) and without credentials from the standard AWS chain,
 * prints the account and region it will deploy to, and checks that they are CDK-bootstrapped (it does not bootstrap:
 * that creates lasting resources in the account, so it stays a deliberate `cdk bootstrap`). Then it deploys the stage
 * `dev-aws<8 hex>` (the `dev` configuration: everything is deleted with the stack, test tasks are on) with the real
 * `cdk`, runs `vitest run --project aws` against it (SKED_E2E_STAGE names the stage), and destroys the stage again
 * whatever happened, Ctrl-C included.
 *
 * Exits with the tests' result; non-zero as well when the deploy failed (no tests ran) or the stage could not be
 * destroyed (it prints what is left to delete by hand).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DeleteQueueCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { RemovalPolicy } from 'aws-cdk-lib';
import { stageConfig } from '../cdk/config';
import { guardedClient } from '../test/support/aws-clients';
import { AWS_STAGE_VARIABLE, pagerQueueName } from '../test/support/e2e/aws-stage';
import { stackNames } from '../test/support/e2e/deployment';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);
/** The CDK bootstrap stack's default name (`cdk bootstrap` without --toolkit-stack-name). */
const TOOLKIT_STACK = 'CDKToolkit';

/** Why the script will not start; nothing has been deployed when it is thrown. */
class RefusedError extends Error {
  override readonly name = 'RefusedError';
}

interface Target {
  readonly account: string;
  readonly region: string;
  readonly caller: string;
}

function log(line: string): void {
  console.log(`test:aws ${new Date().toISOString().slice(11, 19)} ${line}`);
}

function refuseLocalCloud(env: NodeJS.ProcessEnv): void {
  const set = Object.keys(env).filter((name) => name.startsWith('AWS_ENDPOINT_URL') && env[name] !== '');
  if (set.length === 0) return;
  const named = set.map((name) => `${name}=${env[name] ?? ''}`).join(', ');
  throw new RefusedError(
    `${named} is set: that points the SDK and cdk at the local cloud, not at AWS. Unset it to test against a real ` +
      'AWS account (`npm test` runs the same suite against the local cloud).',
  );
}

/** Credentials from the standard chain (env, SSO, profiles, web identity, container and instance roles), or a refusal. */
async function requireCredentials(): Promise<void> {
  try {
    await defaultProvider()();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RefusedError(
      `no AWS credentials resolve from the standard credential chain (${reason}). Provide them in one of the usual ` +
        'ways: `aws sso login --profile <name>` and AWS_PROFILE=<name>; a profile in ~/.aws/credentials or ' +
        '~/.aws/config (AWS_PROFILE to pick one); or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and ' +
        'AWS_SESSION_TOKEN for temporary credentials); or run where a container or instance role applies.',
    );
  }
}

async function resolveTarget(): Promise<Target> {
  const sts = guardedClient(STSClient, {});
  let region: string;
  try {
    region = await sts.config.region();
  } catch {
    throw new RefusedError('no AWS region: set AWS_REGION (or `region` in the profile AWS_PROFILE names).');
  }
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (identity.Account === undefined) throw new Error('GetCallerIdentity named no account');
    return { account: identity.Account, region, caller: identity.Arn ?? 'unknown caller' };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RefusedError(`AWS refused the credentials (STS GetCallerIdentity in ${region}): ${reason}`);
  } finally {
    sts.destroy();
  }
}

async function requireBootstrap(target: Target): Promise<void> {
  const cloudformation = guardedClient(CloudFormationClient, { region: target.region });
  const bootstrap = `run \`scripts/node22 cdk bootstrap aws://${target.account}/${target.region}\` once`;
  try {
    const described = await cloudformation.send(new DescribeStacksCommand({ StackName: TOOLKIT_STACK }));
    const status = described.Stacks?.[0]?.StackStatus ?? 'missing';
    if (!['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE'].includes(status))
      throw new RefusedError(`the CDK bootstrap stack ${TOOLKIT_STACK} is ${status}: ${bootstrap}`);
  } catch (error) {
    if (error instanceof RefusedError) throw error;
    if (error instanceof Error && error.name === 'ValidationError' && error.message.includes('does not exist'))
      throw new RefusedError(
        `${target.account}/${target.region} is not CDK-bootstrapped (no ${TOOLKIT_STACK} stack): ${bootstrap} ` +
          '(it creates the staging bucket, container repository and deployment roles cdk deploy needs)',
      );
    throw error;
  } finally {
    cloudformation.destroy();
  }
}

/** The throwaway stage's configuration must delete everything with the stack and register the test tasks. */
function requireThrowaway(stage: string): void {
  const config = stageConfig(stage);
  if (config.removalPolicy !== RemovalPolicy.DESTROY || !config.includeTestTasks)
    throw new RefusedError(
      `stage ${stage} would keep resources or lack the test tasks: check STAGES.dev in cdk/config.ts`,
    );
}

/**
 * Runs the children in process groups of their own, so that a Ctrl-C reaches this script alone and it decides: the
 * deploy or the tests are stopped at once, the destroy only when asked twice.
 */
class Children {
  private current: ChildProcess | undefined;

  run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
      this.current = child;
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        this.current = undefined;
        resolve(code ?? 128 + (signal === null ? 0 : constants.signals[signal]));
      });
    });
  }

  interrupt(): void {
    const pid = this.current?.pid;
    if (pid !== undefined) process.kill(-pid, 'SIGINT');
  }
}

/** Deletes the pager queue test/e2e/sked.test.ts subscribes to the page topic, should the suite have been stopped. */
async function deleteLeftoverQueue(stage: string, region: string): Promise<void> {
  const sqs = guardedClient(SQSClient, { region });
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: pagerQueueName(stage) }));
    if (QueueUrl === undefined) return;
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    log(`deleted the queue ${pagerQueueName(stage)} the interrupted suite left`);
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue') return;
    log(`could not check for the queue ${pagerQueueName(stage)}: delete it by hand if it exists (${String(error)})`);
  } finally {
    sqs.destroy();
  }
}

async function main(): Promise<number> {
  refuseLocalCloud(process.env);
  await requireCredentials();
  const target = await resolveTarget();
  const stage = `dev-aws${randomBytes(4).toString('hex')}`;
  requireThrowaway(stage);
  log(`account ${target.account}, region ${target.region}, as ${target.caller}`);
  await requireBootstrap(target);

  const assembly = join('cdk.out', `aws-${stage}`);
  const cdkArgs = ['--output', assembly, '-c', `stage=${stage}`];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_REGION: target.region,
    AWS_DEFAULT_REGION: target.region,
    CDK_DISABLE_VERSION_CHECK: '1',
  };
  const children = new Children();
  let phase: 'deploy' | 'test' | 'destroy' = 'deploy';
  let interrupted = false;
  let interruptsWhileDestroying = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (phase !== 'destroy') {
      interrupted = true;
      log(`${signal}: stopping the ${phase === 'deploy' ? 'deploy' : 'tests'}, then destroying ${stage}`);
      children.interrupt();
      return;
    }
    interruptsWhileDestroying += 1;
    if (interruptsWhileDestroying === 1) log(`still destroying ${stage}; ${signal} once more stops the destroy`);
    else children.interrupt();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const started = Date.now();
  let result: number;
  try {
    log(`deploying stage ${stage} (${stackNames(stage).join(', ')}): several minutes`);
    const deployed = await children.run(
      bin('cdk'),
      ['deploy', '--all', '--require-approval', 'never', ...cdkArgs],
      env,
    );
    if (interrupted) result = 130;
    else if (deployed !== 0) {
      log(`cdk deploy exited with ${deployed}: no tests ran`);
      result = deployed;
    } else {
      phase = 'test';
      log(`running the e2e suite against ${stage}`);
      result = await children.run(bin('vitest'), ['run', '--project', 'aws'], { ...env, [AWS_STAGE_VARIABLE]: stage });
      if (interrupted) result = 130;
    }
  } catch (error) {
    log(`could not ${phase === 'deploy' ? 'deploy' : 'run the tests'}: ${String(error)}`);
    result = 1;
  }

  phase = 'destroy';
  log(`destroying stage ${stage}`);
  const destroyed = await children
    .run(bin('cdk'), ['destroy', '--all', '--force', ...cdkArgs], env)
    .catch((error: unknown) => {
      log(`could not run cdk destroy: ${String(error)}`);
      return 1;
    });
  await deleteLeftoverQueue(stage, target.region);
  rmSync(join(root, assembly), { recursive: true, force: true });
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  if (destroyed !== 0) {
    log(`cdk destroy exited with ${destroyed}; delete what is left by hand: ${destroyCommand(stage)}`);
    return result === 0 ? 1 : result;
  }
  log(`destroyed ${stage}; ${minutes} min in all; tests ${result === 0 ? 'passed' : `failed (exit ${result})`}`);
  return result;
}

function destroyCommand(stage: string): string {
  return `scripts/node22 cdk destroy --all --force -c stage=${stage} (or delete the CloudFormation stacks ${stackNames(stage).join(', ')})`;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof RefusedError) console.error(`test:aws: refusing to run: ${error.message}`);
    else console.error('test:aws:', error);
    process.exit(error instanceof RefusedError ? 2 : 1);
  },
);
