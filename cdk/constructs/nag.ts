import { type IAspect, Stack, Validations } from 'aws-cdk-lib';
import { CfnPolicy } from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

/** A cdk-nag finding (`RuleId` or `RuleId[FindingId]`) accepted on purpose, with why. */
export interface NagAcknowledgment {
  readonly id: string;
  readonly reason: string;
}

/** Acknowledges cdk-nag findings on a construct and everything below it. Every call carries its reason. */
export function acknowledgeNag(scope: IConstruct, ...acknowledgments: readonly NagAcknowledgment[]): void {
  Validations.of(scope).acknowledge(...acknowledgments.map(({ id, reason }) => ({ id, reason })));
}

/**
 * Acknowledges AwsSolutions-IAM5 for one kind of wildcard only: `schedule/<group>/*`, the schedules of a sked
 * schedule group. Schedules are named by job ids chosen at run time, so they cannot be listed in a policy; the group
 * bounds them. The finding's text holds resolved tokens (region, account, group name), so it is computed at synthesis.
 */
export class AcknowledgeScheduleWildcards implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof CfnPolicy)) return;
    const document: unknown = Stack.of(node).resolve(node.policyDocument);
    for (const resource of policyResources(document)) {
      const flat = flattenCfnReference(resource);
      if (/:scheduler:.*:schedule\/[^/*]+\/\*$/.test(flat)) {
        acknowledgeNag(node, {
          id: `AwsSolutions-IAM5[Resource::${flat}]`,
          reason:
            "Job schedules are named by job ids at run time; the permission is bounded to this deployment's schedule group.",
        });
      }
    }
  }
}

function policyResources(document: unknown): unknown[] {
  if (typeof document !== 'object' || document === null || !('Statement' in document)) return [];
  const statements = Array.isArray(document.Statement) ? (document.Statement as unknown[]) : [document.Statement];
  return statements.flatMap((statement) => {
    if (typeof statement !== 'object' || statement === null || !('Resource' in statement)) return [];
    return Array.isArray(statement.Resource) ? (statement.Resource as unknown[]) : [statement.Resource];
  });
}
