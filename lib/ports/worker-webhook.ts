/** One signed webhook call for a run. */
export interface WebhookRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly jobId: string;
  readonly runId: string;
  readonly scheduledTime: Date;
  readonly attempt: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export interface WebhookResponse {
  readonly status: number;
  /** Cut to MAX_RESULT_BYTES. */
  readonly body: string;
}

/**
 * Calls a webhook through the SSRF guard (checked at connect time). Resolves with a 2xx response; throws
 * TargetHttpError for other statuses, TargetRefusedError for a refused address, TaskTimeoutError on timeout.
 */
export interface WebhookCaller {
  call(request: WebhookRequest): Promise<WebhookResponse>;
}
