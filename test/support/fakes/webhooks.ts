import type { WebhookCaller, WebhookRequest, WebhookResponse } from '../../../lib/ports/worker-webhook';

/** Answers each webhook call with the given script, keeping every request. */
export class ScriptedWebhooks implements WebhookCaller {
  readonly calls: WebhookRequest[] = [];
  constructor(private readonly answer: (request: WebhookRequest) => Promise<WebhookResponse>) {}
  call(request: WebhookRequest): Promise<WebhookResponse> {
    this.calls.push(request);
    return this.answer(request);
  }
}
