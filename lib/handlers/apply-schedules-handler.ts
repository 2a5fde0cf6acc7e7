import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse, Context } from 'aws-lambda';
import { ValidationError } from '../domain/errors';
import { applyDeclared, type ApplyDeclaredResult } from '../use-cases/jobs/apply-declared';
import type { JobsDeps } from '../use-cases/jobs/deps';
import { DECLARED_SCHEDULES_PROPERTY, declarationFromProperties } from './declared-schedules-properties';

/** PUTs a response body to CloudFormation's ResponseURL (a presigned S3 URL on AWS). */
export type RespondToCloudFormation = (url: string, body: string) => Promise<void>;

export interface ApplySchedulesHandlerOptions {
  /**
   * The jobs use cases' dependencies, built on the first event rather than at cold start: a cold start that throws
   * answers nothing, and CloudFormation would wait out the resource's ServiceTimeout.
   */
  readonly deps: () => JobsDeps;
  readonly logger: Logger;
  /** @default a fetch PUT, tried up to 3 times */
  readonly respond?: RespondToCloudFormation;
  /**
   * Time kept back from the invocation's deadline to answer in: an apply still under way then is answered as
   * failed, so that a timeout fails the deployment instead of leaving it waiting.
   * @default 15_000
   */
  readonly answerMarginMs?: number;
}

/** CloudFormation takes a response of at most 4096 bytes; the reason is kept well below. */
const MAX_REASON_LENGTH = 3000;

/** The physical id of the declared-schedules resource of a source. */
export function physicalIdOf(source: string): string {
  return `sked-declared-schedules:${source}`;
}

interface Outcome {
  readonly status: 'SUCCESS' | 'FAILED';
  readonly reason?: string;
  readonly data?: Record<string, string>;
}

/**
 * The custom resource that applies the jobs a stack declares (the `Sked` construct's `schedules`,
 * docs/design.md#jobs-declared-in-code) on every deployment: Create and Update apply the declaration with prune,
 * so a job removed from it is deleted; Delete applies an empty one, so the stack's declared jobs go with it. An
 * Update that changes the source first removes the jobs of the old one. Every request is answered on its
 * ResponseURL, a failure with the jobs that failed and why, which fails the deployment (and rolls it back).
 */
export function makeApplySchedulesHandler(
  options: ApplySchedulesHandlerOptions,
): (event: CloudFormationCustomResourceEvent, context: Context) => Promise<void> {
  const respond = options.respond ?? putResponse;
  const margin = options.answerMarginMs ?? 15_000;
  return middy<CloudFormationCustomResourceEvent, void, Error, Context>()
    .use(injectLambdaContext(options.logger))
    .handler(async (event, context) => {
      const physicalResourceId =
        event.RequestType === 'Create' ? createdIdOf(event.ResourceProperties) : event.PhysicalResourceId;
      let outcome: Outcome;
      try {
        outcome = await withDeadline(apply(options, event), context.getRemainingTimeInMillis() - margin);
      } catch (error) {
        outcome = { status: 'FAILED', reason: describe(error) };
      }
      const common = {
        PhysicalResourceId: physicalResourceId,
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: event.LogicalResourceId,
        ...(outcome.data !== undefined && { Data: outcome.data }),
      };
      const response: CloudFormationCustomResourceResponse =
        outcome.status === 'FAILED'
          ? { ...common, Status: 'FAILED', Reason: truncate(outcome.reason ?? `see ${context.logStreamName}`) }
          : { ...common, Status: 'SUCCESS' };
      if (outcome.status === 'FAILED') {
        options.logger.error('could not apply the declared schedules', { requestType: event.RequestType, response });
      } else {
        options.logger.info('applied the declared schedules', { requestType: event.RequestType, response });
      }
      await respond(event.ResponseURL, JSON.stringify(response));
    });
}

function createdIdOf(properties: Readonly<Record<string, unknown>>): string {
  const source = properties[DECLARED_SCHEDULES_PROPERTY.source];
  return physicalIdOf(typeof source === 'string' && source !== '' ? source : 'unknown');
}

async function apply(
  options: ApplySchedulesHandlerOptions,
  event: CloudFormationCustomResourceEvent,
): Promise<Outcome> {
  const caller = `cloudformation ${stackNameOf(event.StackId)}`;
  if (event.RequestType === 'Delete') {
    const { source } = declarationFromProperties(event.ResourceProperties);
    return outcomeOf(source, 'delete', await removeAll(options.deps(), source, caller));
  }
  const { source, declaration } = declarationFromProperties(event.ResourceProperties);
  const deps = options.deps();
  if (event.RequestType === 'Update') {
    const previous: unknown = event.OldResourceProperties[DECLARED_SCHEDULES_PROPERTY.source];
    if (typeof previous === 'string' && previous !== '' && previous !== source) {
      const removed = outcomeOf(previous, 'remove', await removeAll(deps, previous, caller));
      if (removed.status === 'FAILED') return removed;
    }
  }
  const result = await applyDeclared(deps, { source, declaration, prune: true, caller });
  return outcomeOf(source, 'apply', result);
}

function removeAll(deps: JobsDeps, source: string, caller: string): Promise<ApplyDeclaredResult> {
  return applyDeclared(deps, { source, declaration: { jobs: [] }, prune: true, caller });
}

/** SUCCESS with the counts, or FAILED naming each job that failed or conflicts, and why. */
function outcomeOf(source: string, verb: 'apply' | 'delete' | 'remove', result: ApplyDeclaredResult): Outcome {
  const written = new Set(result.written);
  const count = (action: string) =>
    String(result.plan.filter((entry) => entry.action === action && written.has(entry.id)).length);
  const data = {
    Created: count('create'),
    Updated: count('update'),
    Deleted: count('delete'),
    Unchanged: String(result.plan.filter((entry) => entry.action === 'unchanged').length),
  };
  const problems = [
    ...result.failed.map(({ id, error }) => {
      const action = result.plan.find((entry) => entry.id === id)?.action ?? 'write';
      return `${id} (${action}): ${error}`;
    }),
    ...result.plan.flatMap((entry) => (entry.action === 'conflict' ? [`${entry.id} (conflict): ${entry.reason}`] : [])),
  ];
  if (problems.length === 0) return { status: 'SUCCESS', data };
  const what = {
    apply: 'apply the jobs declared by',
    delete: 'delete the jobs declared by',
    remove: 'remove the jobs of',
  };
  return {
    status: 'FAILED',
    reason:
      `could not ${what[verb]} ${source}: ${problems.length} job(s) failed, ${result.written.length} written: ` +
      problems.join('; '),
    data,
  };
}

/** The stack's name from its ARN (`arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`). */
function stackNameOf(stackId: string): string {
  return /:stack\/([^/]+)\//.exec(stackId)?.[1] ?? stackId;
}

function describe(error: unknown): string {
  if (error instanceof ValidationError) return `the declaration is invalid: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function truncate(reason: string): string {
  return reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 20)} ... (truncated)`;
}

async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `the apply did not finish in the ${Math.round(Math.max(ms, 0) / 1000)} s left before the function's ` +
              'timeout (too many jobs, or AWS too slow); see the function log for what it wrote',
          ),
        ),
      Math.max(ms, 0),
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The default answer: PUT with an empty content type (what the presigned URL was signed for), tried 3 times. */
async function putResponse(url: string, body: string): Promise<void> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const response = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
      if (response.ok) return;
      lastError = new Error(`the ResponseURL answered ${response.status}: ${await response.text()}`);
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
  throw new Error('could not answer CloudFormation', { cause: lastError });
}
