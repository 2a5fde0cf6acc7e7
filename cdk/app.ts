/**
 * The ready-made sked app: two stacks per stage (stateful, stateless), checked by cdk-nag.
 *
 *   cdk deploy --all -c stage=prod
 *   cdk deploy --all -c stage=prod -c schedulesFile=sked.schedules.yaml   # with jobs declared in code
 */
import { resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { stageConfig } from './config';
import { schedulesFromFile, type SkedSchedules } from './constructs/sked-declared-schedules';
import { StatefulStack } from './stacks/stateful-stack';
import { StatelessStack } from './stacks/stateless-stack';

export interface SkedApp {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

export interface StageOptions {
  /** Jobs declared in code, applied by each deployment of the stateless stack. @default none */
  readonly schedules?: SkedSchedules;
}

/** Adds a stage's stacks to an app; `cdk/app.ts` and the CDK tests build the same thing. */
export function addStage(app: App, stage: string, options: StageOptions = {}): SkedApp {
  const config = stageConfig(stage);
  // Without the CLI's account and region the stacks are environment-agnostic.
  const { CDK_DEFAULT_ACCOUNT: account, CDK_DEFAULT_REGION: region } = process.env;
  const env = { ...(account !== undefined && { account }), ...(region !== undefined && { region }) };
  const prefix = `Sked-${config.stage}`;
  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    env,
    config,
    description: `sked ${config.stage}: jobs table, run ledger, events bus`,
  });
  const stateless = new StatelessStack(app, `${prefix}-Stateless`, {
    env,
    config,
    storage: stateful.storage,
    ...(options.schedules !== undefined && { schedules: options.schedules }),
    description: `sked ${config.stage}: API, scheduler, queues, worker, alarms`,
  });
  return { stateful, stateless };
}

export function applyNagPacks(app: App): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true }),
    new ServerlessChecks(app, { verbose: true }),
  );
}

/** The context key naming a stage's declaration file. */
export const SCHEDULES_FILE_CONTEXT = 'schedulesFile';

/**
 * The declaration file a stage deploys, from the context value `schedulesFile`: a path (`-c schedulesFile=FILE`,
 * for the stage deployed), or in cdk.json an object from stage names to paths (`{ "prod": "sked.schedules.yaml" }`,
 * the exact stage name; a stage it does not name declares nothing). Relative paths are from the working directory.
 */
export function schedulesFileOf(context: unknown, stage: string): string | undefined {
  if (context === undefined || context === null || context === '') return undefined;
  if (typeof context === 'string') return resolve(context);
  if (typeof context === 'object' && !Array.isArray(context)) {
    const path: unknown = (context as Record<string, unknown>)[stage];
    if (path === undefined || path === null || path === '') return undefined;
    if (typeof path === 'string') return resolve(path);
  }
  throw new Error(
    `the context value ${SCHEDULES_FILE_CONTEXT} must be a path or an object from stage names to paths, not ${JSON.stringify(context)}`,
  );
}

if (process.argv[1] !== undefined && /cdk[/\\]app\.ts$/.test(process.argv[1])) {
  const app = new App();
  const context: unknown = app.node.tryGetContext('stage');
  const stage = typeof context === 'string' ? context : 'dev';
  const schedulesFile = schedulesFileOf(app.node.tryGetContext(SCHEDULES_FILE_CONTEXT), stage);
  addStage(app, stage, schedulesFile === undefined ? {} : { schedules: schedulesFromFile(schedulesFile) });
  applyNagPacks(app);
  app.synth();
}
