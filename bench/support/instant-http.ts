import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { HttpHandlerOptions, HttpRequest, HttpResponse, RequestHandlerOutput } from '@smithy/types';

/** The JSON body a canned answer returns, or an AWS error. */
export type CannedAnswer = { readonly body: unknown } | { readonly status: number; readonly errorType: string };

/** Answers one operation (`DynamoDB_20120810.GetItem`, `AWSEvents.PutEvents`, ...) from its parsed JSON input. */
export type Responder = (target: string, input: Record<string, unknown>) => CannedAnswer;

const decoder = new TextDecoder();

function bodyText(body: unknown): string {
  if (body instanceof Uint8Array) return decoder.decode(body);
  if (typeof body === 'string') return body;
  return '';
}

function header(request: HttpRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/**
 * An SDK request handler that answers at once with canned HTTP responses: the client's whole pipeline
 * (validation, serialization, endpoint resolution, signing, deserialization) runs, the network does not.
 * Only the JSON protocols sked's worker uses (DynamoDB, SQS, EventBridge, Secrets Manager) are supported.
 */
export class InstantHttpHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };

  constructor(private readonly respond: Responder) {}

  handle(request: HttpRequest, _options?: HttpHandlerOptions): Promise<RequestHandlerOutput<HttpResponse>> {
    const target = header(request, 'x-amz-target') ?? 'unknown';
    const text = bodyText(request.body);
    const parsed: unknown = text === '' ? {} : JSON.parse(text);
    const input = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
    const answer = this.respond(target, input);
    const status = 'status' in answer ? answer.status : 200;
    const payload = 'status' in answer ? { __type: answer.errorType, message: 'canned error' } : answer.body;
    const bytes = Buffer.from(JSON.stringify(payload));
    const response: HttpResponse = {
      statusCode: status,
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'content-length': String(bytes.length),
        'x-amzn-requestid': randomUUID(),
        ...('status' in answer ? { 'x-amzn-errortype': answer.errorType } : {}),
      },
      body: Readable.from([bytes]),
    };
    return Promise.resolve({ response });
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {}
}

export const md5Hex = (text: string) => createHash('md5').update(text).digest('hex');

/** Answers the calls both workers make on their success paths; `getItem` supplies items by table and key. */
export function workerResponder(getItem: (table: string, key: unknown) => unknown): Responder {
  return (target, input) => {
    const operation = target.split('.').pop() ?? target;
    switch (operation) {
      case 'GetItem': {
        const item = getItem(String(input.TableName), input.Key);
        return { body: item === undefined ? {} : { Item: item } };
      }
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem':
      case 'TransactWriteItems':
        return { body: {} };
      case 'PutEvents':
        return { body: { FailedEntryCount: 0, Entries: [{ EventId: randomUUID() }] } };
      case 'SendMessage':
        return {
          body: {
            MessageId: randomUUID(),
            MD5OfMessageBody: md5Hex(typeof input.MessageBody === 'string' ? input.MessageBody : ''),
          },
        };
      case 'ChangeMessageVisibility':
      case 'DeleteMessage':
        return { body: {} };
      case 'GetSecretValue':
        return { body: { ARN: String(input.SecretId), Name: 'bench', SecretString: 'bench-secret', VersionId: 'v1' } };
      default:
        return { status: 400, errorType: 'UnknownOperationException' };
    }
  };
}
