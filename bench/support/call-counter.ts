import type {
  HandlerExecutionContext,
  InitializeHandler,
  InitializeHandlerArguments,
  InitializeHandlerOutput,
  MetadataBearer,
  MiddlewareStack,
} from '@smithy/types';

/** One AWS API call as a client sent it (SDK-internal retries of the same call are not counted again). */
export interface RecordedCall {
  /** e.g. `DynamoDB`, `SQS`, `EventBridge` */
  readonly service: string;
  /** e.g. `GetItem` */
  readonly operation: string;
  /** DynamoDB request units this call is billed for on demand (0 for other services). */
  readonly readUnits: number;
  readonly writeUnits: number;
}

export interface CountableClient<I extends object, O extends MetadataBearer> {
  readonly middlewareStack: MiddlewareStack<I, O>;
}

const WRITE_UNIT_BYTES = 1024;

/** DynamoDB read and write request units of one call, from its input (and, for reads of many items, its output). */
function dynamoUnits(operation: string, input: unknown, output: unknown): { read: number; write: number } {
  const record = (value: unknown): Record<string, unknown> =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const inp = record(input);
  const sizeOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value ?? {}));
  switch (operation) {
    case 'GetItem':
      // Items under 4 KB: 1 unit strongly consistent, half eventually consistent.
      return { read: inp.ConsistentRead === true ? 1 : 0.5, write: 0 };
    case 'PutItem':
      return { read: 0, write: Math.max(1, Math.ceil(sizeOf(inp.Item) / WRITE_UNIT_BYTES)) };
    case 'UpdateItem':
    case 'DeleteItem':
      return { read: 0, write: 1 };
    case 'TransactWriteItems': {
      const items = Array.isArray(inp.TransactItems) ? inp.TransactItems.length : 0;
      // Transactions bill two units per item.
      return { read: 0, write: 2 * items };
    }
    case 'BatchWriteItem': {
      const requests = Object.values(record(inp.RequestItems));
      return { read: 0, write: requests.reduce<number>((n, v) => n + (Array.isArray(v) ? v.length : 0), 0) };
    }
    case 'Query':
    case 'Scan': {
      // Billed per 4 KB read, before any filter; the returned items are a lower bound on that.
      const items = record(output).Items;
      const bytes = Array.isArray(items) ? sizeOf(items) : 0;
      const units = Math.max(1, Math.ceil(bytes / 4096));
      return { read: inp.ConsistentRead === true ? units : units / 2, write: 0 };
    }
    default:
      return { read: 0, write: 0 };
  }
}

/**
 * Counts the AWS calls made through the clients it is attached to, with an SDK middleware at the `initialize`
 * step: one count per `client.send`, whichever code path made it.
 */
export class CallCounter {
  private calls: RecordedCall[] = [];

  attach<I extends object, O extends MetadataBearer>(client: CountableClient<I, O>, service: string): void {
    const calls = (): RecordedCall[] => this.calls;
    client.middlewareStack.add(
      (next: InitializeHandler<I, O>, context: HandlerExecutionContext) =>
        async (args: InitializeHandlerArguments<I>): Promise<InitializeHandlerOutput<O>> => {
          const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
          let output: unknown;
          try {
            const result = await next(args);
            output = result.output;
            return result;
          } finally {
            const units = service === 'DynamoDB' ? dynamoUnits(operation, args.input, output) : { read: 0, write: 0 };
            calls().push({ service, operation, readUnits: units.read, writeUnits: units.write });
          }
        },
      { step: 'initialize', name: 'benchCallCounter', override: true },
    );
  }

  /** The calls made since the last take, and a fresh start. */
  take(): RecordedCall[] {
    const taken = this.calls;
    this.calls = [];
    return taken;
  }

  peek(): readonly RecordedCall[] {
    return this.calls;
  }
}

export interface CallSummary {
  readonly byOperation: Record<string, number>;
  readonly dynamoReads: number;
  readonly dynamoWrites: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly sqs: number;
  readonly eventBridge: number;
  readonly total: number;
}

const DYNAMO_READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

export function summarise(calls: readonly RecordedCall[]): CallSummary {
  const byOperation: Record<string, number> = {};
  let dynamoReads = 0;
  let dynamoWrites = 0;
  let readUnits = 0;
  let writeUnits = 0;
  let sqs = 0;
  let eventBridge = 0;
  for (const call of calls) {
    const key = `${call.service}.${call.operation}`;
    byOperation[key] = (byOperation[key] ?? 0) + 1;
    if (call.service === 'DynamoDB') {
      if (DYNAMO_READS.has(call.operation)) dynamoReads += 1;
      else dynamoWrites += 1;
    }
    if (call.service === 'SQS') sqs += 1;
    if (call.service === 'EventBridge') eventBridge += 1;
    readUnits += call.readUnits;
    writeUnits += call.writeUnits;
  }
  return { byOperation, dynamoReads, dynamoWrites, readUnits, writeUnits, sqs, eventBridge, total: calls.length };
}

export function describeCalls(summary: CallSummary): string {
  return Object.entries(summary.byOperation)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, n]) => (n === 1 ? op : `${op} x${n}`))
    .join(', ');
}
