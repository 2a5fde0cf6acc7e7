import type {
  AbsoluteLocation,
  HandlerExecutionContext,
  InitializeHandler,
  InitializeHandlerArguments,
  InitializeHandlerOptions,
  InitializeMiddleware,
  MetadataBearer,
  MiddlewareStack,
  Pluggable,
} from '@smithy/types';
import { AwsLimitError } from './aws-limit-error';
import { CLOUDWATCH_RULES } from './cloudwatch-limits';
import { DYNAMODB_RULES } from './dynamodb-limits';
import { EVENTBRIDGE_RULES } from './eventbridge-limits';
import { LimitRefusal, type LimitContext, type ServiceRules } from './limit-rules';
import { SCHEDULER_RULES } from './scheduler-limits';
import { SQS_MAX_MESSAGE_BYTES, SQS_RULES } from './sqs-limits';

/**
 * The AWS limits guard: an SDK middleware that refuses, before anything is sent, a request AWS would refuse (its
 * documented quotas and validation rules; docs/aws-limits.md lists them with their sources). The local cloud accepts
 * many such requests, so tests and the local stage run with it; production deployments never attach it.
 */
export interface AwsLimitsOptions {
  /** The current time in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
  /** The queues' `MaximumMessageSize`, when set below SQS's maximum. @default 1,048,576 (1 MiB) */
  readonly sqsMaximumMessageBytes?: number;
}

export const AWS_LIMITS_MIDDLEWARE_NAME = 'skedAwsLimitsGuard';

const RULES_BY_CLIENT: ReadonlyMap<string, ServiceRules> = new Map(
  [SQS_RULES, SCHEDULER_RULES, DYNAMODB_RULES, EVENTBRIDGE_RULES, CLOUDWATCH_RULES].map((rules) => [
    rules.clientName,
    rules,
  ]),
);

export interface CommandCall {
  /** The SDK client's name, e.g. `SQSClient`. */
  readonly clientName: string;
  /** The command's name, e.g. `SendMessageCommand`. */
  readonly commandName: string;
  readonly input: unknown;
}

/** Throws an AwsLimitError when AWS would refuse the call; calls of services or operations without rules pass. */
export function checkAwsLimits(call: CommandCall, options: AwsLimitsOptions = {}): void {
  const rules = RULES_BY_CLIENT.get(call.clientName);
  const operation = call.commandName.replace(/Command$/, '');
  const rule = rules?.operations[operation] as ((input: unknown, context: LimitContext) => void) | undefined;
  if (rules === undefined || rule === undefined) return;
  const context: LimitContext = {
    now: options.now ?? Date.now,
    sqsMaximumMessageBytes: options.sqsMaximumMessageBytes ?? SQS_MAX_MESSAGE_BYTES,
  };
  try {
    rule(call.input, context);
  } catch (error) {
    if (!(error instanceof LimitRefusal)) throw error;
    throw new AwsLimitError(rules.service, operation, error.detail, error.limit, error.source);
  }
}

/** The middleware, at the `initialize` step, where the command's input is as the caller built it. */
export function awsLimitsMiddleware<Input extends object, Output extends MetadataBearer>(
  options: AwsLimitsOptions = {},
): InitializeMiddleware<Input, Output> {
  return (next: InitializeHandler<Input, Output>, context: HandlerExecutionContext) =>
    async (args: InitializeHandlerArguments<Input>) => {
      checkAwsLimits(
        { clientName: context.clientName ?? '', commandName: context.commandName ?? '', input: args.input },
        options,
      );
      return next(args);
    };
}

const MIDDLEWARE_OPTIONS: InitializeHandlerOptions & AbsoluteLocation & { name: string; override: boolean } = {
  step: 'initialize',
  priority: 'high',
  name: AWS_LIMITS_MIDDLEWARE_NAME,
  // Attaching twice replaces the first, so a client passed through two composition roots is checked once.
  override: true,
};

export function awsLimitsPlugin<Input extends object, Output extends MetadataBearer>(
  options: AwsLimitsOptions = {},
): Pluggable<Input, Output> {
  return {
    applyToStack: (stack: MiddlewareStack<Input, Output>) => {
      stack.add(awsLimitsMiddleware<Input, Output>(options), MIDDLEWARE_OPTIONS);
    },
  };
}

/** Any SDK v3 client. */
export interface GuardableClient {
  readonly middlewareStack: Pick<MiddlewareStack<object, MetadataBearer>, 'use'>;
}

/** Attaches the guard to a client (again, harmlessly, if it has it). */
export function attachAwsLimits(client: GuardableClient, options: AwsLimitsOptions = {}): void {
  client.middlewareStack.use(awsLimitsPlugin(options));
}

/** The client, with the guard attached: `withAwsLimits(new SQSClient({}))`. */
export function withAwsLimits<Client extends GuardableClient>(client: Client, options: AwsLimitsOptions = {}): Client {
  attachAwsLimits(client, options);
  return client;
}
