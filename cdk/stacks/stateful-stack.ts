import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { SkedStageConfig } from '../config';
import { SkedStorage } from '../constructs/sked-storage';

export interface StatefulStackProps extends StackProps {
  readonly config: SkedStageConfig;
}

/**
 * What must survive a redeploy: the jobs table, the run ledger and the events bus. Kept apart from the stateless
 * stack so that replacing functions, queues or the API can never replace a table.
 */
export class StatefulStack extends Stack {
  readonly storage: SkedStorage;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    this.storage = new SkedStorage(this, 'Storage', { removalPolicy: props.config.removalPolicy });
  }
}
