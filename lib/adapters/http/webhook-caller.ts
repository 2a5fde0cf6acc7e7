import { createHmac } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { TargetHttpError, TargetRefusedError, TaskTimeoutError } from '../../domain/worker-errors';
import type { Clock } from '../../ports/clock';
import type { SecretSource } from '../../ports/worker-secrets';
import type { WebhookCaller, WebhookRequest, WebhookResponse } from '../../ports/worker-webhook';
import { MAX_RESULT_BYTES } from '../../schemas/run';
import { UnsafeUrlError } from '../../domain/errors';
import { assertSafeUrl, guardedLookup, type UrlPolicy } from '../net/ssrf-guard';

export const SIGNATURE_HEADER = 'sked-signature';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, the scheme receivers verify. */
export function signatureHeader(secret: string, timestampSeconds: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${digest}`;
}

/**
 * Calls webhooks: the SSRF guard is checked before the call and again on the address actually connected to
 * (the `lookup` hook), so a DNS answer that changed since registration cannot reach an internal address.
 * Redirects are not followed.
 */
export class HttpWebhookCaller implements WebhookCaller {
  constructor(
    private readonly policy: UrlPolicy,
    private readonly secret: SecretSource,
    private readonly clock: Clock,
  ) {}

  async call(request: WebhookRequest): Promise<WebhookResponse> {
    try {
      await assertSafeUrl(request.url, this.policy);
    } catch (error) {
      if (error instanceof UnsafeUrlError) throw new TargetRefusedError(error.message);
      throw error;
    }
    const url = new URL(request.url);
    const payload =
      request.method === 'GET'
        ? ''
        : JSON.stringify(
            request.body ?? {
              jobId: request.jobId,
              runId: request.runId,
              scheduledTime: request.scheduledTime.toISOString(),
              attempt: request.attempt,
            },
          );
    const timestamp = Math.floor(this.clock.now().getTime() / 1000);
    const headers: Record<string, string> = {
      ...userHeaders(request.headers),
      'content-type': 'application/json',
      'user-agent': 'sked-worker',
      'sked-job-id': request.jobId,
      'sked-run-id': request.runId,
      'sked-scheduled-time': request.scheduledTime.toISOString(),
      'sked-attempt': String(request.attempt),
      // Stable across attempts, so receivers can deduplicate.
      'idempotency-key': `${request.jobId}/${request.runId}`,
      [SIGNATURE_HEADER]: signatureHeader(await this.secret.get(), timestamp, payload),
    };
    if (payload.length > 0) headers['content-length'] = String(Buffer.byteLength(payload));
    const port = url.port || (url.protocol === 'http:' ? '80' : '443');
    const options: RequestOptions = {
      method: request.method,
      headers,
      lookup: guardedLookup(this.policy, port),
      signal: request.signal,
      timeout: request.timeoutMs,
    };
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;

    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const outgoing = send(url, options, (incoming: IncomingMessage) => {
        readCapped(incoming, MAX_RESULT_BYTES)
          .then((text) => resolve({ status: incoming.statusCode ?? 0, body: text }))
          .catch(reject);
      });
      outgoing.on('timeout', () => outgoing.destroy(new TaskTimeoutError(request.timeoutMs)));
      outgoing.on('error', (error) => {
        if (error instanceof UnsafeUrlError) reject(new TargetRefusedError(error.message));
        else if (error.name === 'AbortError') reject(new TaskTimeoutError(request.timeoutMs));
        else reject(error);
      });
      outgoing.end(payload);
    });
    // A receiver that echoes the job's own headers (tokens) must not put them into the ledger, the DLQ or logs.
    const body = redact(response.body, Object.values(request.headers));
    if (response.status < 200 || response.status > 299) throw new TargetHttpError(response.status, body);
    return { status: response.status, body };
  }
}

/** Our own headers (signature, ids, content) are set by the caller alone: a job's header of the same name is dropped. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'transfer-encoding',
  'host',
  'user-agent',
  'idempotency-key',
  'sked-job-id',
  'sked-run-id',
  'sked-scheduled-time',
  'sked-attempt',
  SIGNATURE_HEADER,
]);

function userHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !RESERVED_HEADERS.has(name.toLowerCase())));
}

const REDACTED = '****';

/** `text` with every occurrence of the given values (long enough to be a credential) replaced. */
export function redact(text: string, values: readonly string[]): string {
  let redacted = text;
  for (const value of values) {
    if (value.length >= 8) redacted = redacted.split(value).join(REDACTED);
    // `Bearer <token>`: the token alone may be echoed too.
    const credential = /^\S+\s+(\S{8,})$/.exec(value)?.[1];
    if (credential !== undefined) redacted = redacted.split(credential).join(REDACTED);
  }
  return redacted;
}

/** Reads at most `limit` bytes of a response and drops the rest. */
async function readCapped(incoming: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    if (size < limit) chunks.push(buffer.subarray(0, limit - size));
    size += buffer.length;
  }
  return Buffer.concat(chunks).toString('utf8');
}
