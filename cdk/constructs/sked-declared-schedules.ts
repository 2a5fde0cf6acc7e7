import { readFileSync } from 'node:fs';
import { CustomResource, type Duration, Stack } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { parse as parseYaml } from 'yaml';
import {
  DECLARED_SCHEDULES_RESOURCE_TYPE,
  declarationProperties,
} from '../../lib/handlers/declared-schedules-properties';
import { declarationFileSchema, type DeclaredJob } from '../../lib/schemas/declarations';

/**
 * Jobs a deployment declares (the `Sked` construct's `schedules`): applied by every `cdk deploy`, as `sked apply
 * --prune` would apply them, and deleted with the stack.
 */
export interface SkedSchedules {
  /**
   * What the jobs are marked as declared by (`managedBy.source`). An apply writes and prunes only jobs of its own
   * source: jobs registered through the API, and jobs of another source, are never touched.
   * @default `stack <StackName>`
   */
  readonly source?: string;
  /** The declared jobs: job documents as the API takes them, each with its id. */
  readonly jobs: readonly DeclaredJob[];
}

/**
 * Reads a declaration file (`sked.schedules.yaml`: `jobs: [...]`, the file `sked apply -f` takes) at synthesis,
 * validated against the declaration schema; an invalid file fails the synthesis with each field at fault.
 */
export function schedulesFromFile(path: string, options: { readonly source?: string } = {}): SkedSchedules {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot read the declared schedules ${path}: ${message}`, { cause: error });
  }
  const jobs = validJobs(document, path);
  return { ...(options.source !== undefined && { source: options.source }), jobs };
}

/** The jobs of a declaration, or an Error naming every field at fault and every id declared twice. */
function validJobs(document: unknown, where: string): DeclaredJob[] {
  const parsed = declarationFileSchema.safeParse(document);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new Error(`invalid declared schedules in ${where}: ${issues.join('; ')}`);
  }
  const jobs = (document as { jobs: DeclaredJob[] }).jobs;
  const seen = new Set<string>();
  const twice = jobs.map((job) => job.id).filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
  if (twice.length > 0) {
    throw new Error(`invalid declared schedules in ${where}: declared twice: ${[...new Set(twice)].join(', ')}`);
  }
  return jobs;
}

export interface SkedDeclaredSchedulesProps {
  /** The apply-schedules function (functions/apply-schedules.ts), the custom resource's provider. */
  readonly handler: IFunction;
  readonly schedules: SkedSchedules;
  /**
   * How long CloudFormation waits for the function's answer; the function answers before its own timeout, so
   * this only bounds an invocation that never ran.
   */
  readonly serviceTimeout: Duration;
}

/**
 * The custom resource that applies a deployment's declared jobs (lib/handlers/apply-schedules-handler.ts): its
 * properties carry the declaration (lib/handlers/declared-schedules-properties.ts: JSON, gzipped when large, at most
 * MAX_DECLARATION_PROPERTY_BYTES), validated here so that a bad declaration fails the synthesis, not the deployment.
 * A change to the declaration is an Update of the resource, and deploying it applies it.
 */
export class SkedDeclaredSchedules extends Construct {
  readonly resource: CustomResource;
  /** The `managedBy.source` of the declared jobs. */
  readonly source: string;

  constructor(scope: Construct, id: string, props: SkedDeclaredSchedulesProps) {
    super(scope, id);
    this.source = props.schedules.source ?? `stack ${Stack.of(this).stackName}`;
    if (this.source.length < 1 || this.source.length > 512) {
      throw new Error(`the source of the declared schedules must be 1-512 characters, not ${this.source.length}`);
    }
    const jobs = validJobs({ jobs: props.schedules.jobs }, this.node.path);
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: props.handler.functionArn,
      resourceType: DECLARED_SCHEDULES_RESOURCE_TYPE,
      serviceTimeout: props.serviceTimeout,
      properties: declarationProperties(this.source, { jobs }),
    });
  }
}
