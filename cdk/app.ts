/**
 * The ready-made sked app: two stacks per stage (stateful, stateless), checked by cdk-nag.
 *
 *   cdk deploy --all -c stage=prod
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { stageConfig } from './config';
import { StatefulStack } from './stacks/stateful-stack';
import { StatelessStack } from './stacks/stateless-stack';

export interface SkedApp {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
}

/** Adds a stage's stacks to an app; `cdk/app.ts` and the CDK tests build the same thing. */
export function addStage(app: App, stage: string): SkedApp {
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

if (process.argv[1] !== undefined && /cdk[/\\]app\.ts$/.test(process.argv[1])) {
  const app = new App();
  const stage: unknown = app.node.tryGetContext('stage');
  addStage(app, typeof stage === 'string' ? stage : 'dev');
  applyNagPacks(app);
  app.synth();
}
