import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../../lib/schemas/api';
import { MAX_PAYLOAD_BYTES } from '../../../lib/schemas/job';
import type { RequestSpec } from '../../support/fakes/api-gateway-event';
import { bodyOf } from '../../support/fakes/api-gateway-event';
import { apiClient } from '../../support/fakes/api-handler';
import { cronJobBody, fakeJobsDeps } from '../../support/fakes/jobs-deps';

const task = { type: 'task', task: 'report', payload: { recipient: 'ops@example.com' } };
const cron = { type: 'cron', expression: '0 9 * * *' };
const job = (overrides: Record<string, unknown>) => ({ trigger: cron, target: task, ...overrides });
const post = (body: unknown, extra: Partial<RequestSpec> = {}): RequestSpec => ({
  method: 'POST',
  path: '/jobs',
  body,
  ...extra,
});
const patch = (body: unknown, extra: Partial<RequestSpec> = {}): RequestSpec => ({
  method: 'PATCH',
  path: '/jobs/existing',
  body,
  ...extra,
});

/** [what is wrong, request, expected status, the field path the problem must name] */
const cases: [string, RequestSpec, number, string][] = [
  // Body envelope
  ['non-JSON body', post('{not json'), 400, 'body'],
  ['truncated JSON', post('{"trigger": {'), 400, 'body'],
  ['a JSON array', post([1, 2]), 400, 'body'],
  ['a JSON string', post('"job"'), 400, 'body'],
  ['a JSON number', post('42'), 400, 'body'],
  ['JSON null', post('null'), 400, 'body'],
  ['empty body on create', post(undefined), 400, 'body'],
  [
    'form-encoded content type',
    post('a=b', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }),
    415,
    'header.content-type',
  ],
  ['text/plain content type', post(job({}), { headers: { 'Content-Type': 'text/plain' } }), 415, 'header.content-type'],
  ['body over 256 KiB', post(job({ description: 'x'.repeat(MAX_BODY_BYTES) })), 413, 'body'],
  // Missing and unknown fields
  ['missing trigger', post({ target: task }), 400, 'trigger'],
  ['missing target', post({ trigger: cron }), 400, 'target'],
  ['unknown top-level field', post(job({ colour: 'red' })), 400, 'colour'],
  ['state is not settable', post(job({ state: 'paused' })), 400, 'state'],
  ['unknown trigger field', post(job({ trigger: { ...cron, jitter: 1 } })), 400, 'trigger.jitter'],
  ['unknown target field', post(job({ target: { ...task, retries: 3 } })), 400, 'target.retries'],
  // Wrong types
  ['name is a number', post(job({ name: 42 })), 400, 'name'],
  ['empty name', post(job({ name: '' })), 400, 'name'],
  ['group with a space', post(job({ group: 'my group' })), 400, 'group'],
  ['tags is a string', post(job({ tags: 'a,b' })), 400, 'tags'],
  ['tag with a space', post(job({ tags: ['a b'] })), 400, 'tags.0'],
  ['too many tags', post(job({ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) })), 400, 'tags'],
  ['jitterMinutes negative', post(job({ jitterMinutes: -1 })), 400, 'jitterMinutes'],
  ['jitterMinutes fractional', post(job({ jitterMinutes: 1.5 })), 400, 'jitterMinutes'],
  ['coalesce is a string', post(job({ coalesce: 'yes' })), 400, 'coalesce'],
  ['maxConcurrent zero', post(job({ maxConcurrent: 0 })), 400, 'maxConcurrent'],
  ['overlap unknown', post(job({ overlap: 'replace' })), 400, 'overlap'],
  ['misfireGraceSeconds too large', post(job({ misfireGraceSeconds: 86_401 })), 400, 'misfireGraceSeconds'],
  ['retry.maxAttempts zero', post(job({ retry: { maxAttempts: 0 } })), 400, 'retry.maxAttempts'],
  ['retry.multiplier too large', post(job({ retry: { multiplier: 11 } })), 400, 'retry.multiplier'],
  [
    'retry.maxSeconds below initialSeconds',
    post(job({ retry: { initialSeconds: 60, maxSeconds: 10 } })),
    400,
    'retry.maxSeconds',
  ],
  ['startAt not a date', post(job({ startAt: 'tomorrow' })), 400, 'startAt'],
  ['endAt before startAt', post(job({ startAt: '2031-01-01T00:00:00Z', endAt: '2030-06-01T00:00:00Z' })), 400, 'endAt'],
  ['endAt in the past', post(job({ endAt: '2029-01-01T00:00:00Z' })), 400, 'endAt'],
  ['bad id characters', post(job({ id: 'has space' })), 400, 'id'],
  ['id too long', post(job({ id: 'x'.repeat(65) })), 400, 'id'],
  // Triggers
  ['unknown trigger type', post(job({ trigger: { type: 'weekly' } })), 400, 'trigger.type'],
  ['bad cron expression', post(job({ trigger: { type: 'cron', expression: 'every day' } })), 400, 'trigger.expression'],
  [
    'cron minute out of range',
    post(job({ trigger: { type: 'cron', expression: '61 * * * *' } })),
    400,
    'trigger.expression',
  ],
  [
    'cron with both day fields',
    post(job({ trigger: { type: 'cron', expression: '0 9 1 * MON' } })),
    400,
    'trigger.expression',
  ],
  [
    "cron seconds on a job asking for precision 'minute'",
    post(job({ trigger: { type: 'cron', second: 30, minute: 0 }, precision: 'minute' })),
    400,
    'trigger.second',
  ],
  ['cron second out of range', post(job({ trigger: { type: 'cron', second: 60, minute: 0 } })), 400, 'trigger.second'],
  ['unknown precision', post(job({ precision: 'millisecond' })), 400, 'precision'],
  [
    'a flexible window at second precision',
    post(job({ trigger: { type: 'interval', seconds: 5 }, jitterMinutes: 1 })),
    400,
    'jitterMinutes',
  ],
  ['cron unknown time zone', post(job({ trigger: { ...cron, timezone: 'Mars/Olympus' } })), 400, 'trigger.timezone'],
  ['cron expression and fields', post(job({ trigger: { ...cron, hour: 3 } })), 400, 'trigger.expression'],
  [
    "sub-minute interval on a job asking for precision 'minute'",
    post(job({ trigger: { type: 'interval', seconds: 30 }, precision: 'minute' })),
    400,
    'trigger.seconds',
  ],
  ['interval of zero', post(job({ trigger: { type: 'interval', minutes: 0 } })), 400, 'trigger'],
  ['interval with a string', post(job({ trigger: { type: 'interval', minutes: '5' } })), 400, 'trigger.minutes'],
  ['interval weeks past 84006 days', post(job({ trigger: { type: 'interval', weeks: 12_001 } })), 400, 'trigger.weeks'],
  [
    'interval adding up past 84006 days',
    post(job({ trigger: { type: 'interval', days: 84_006, minutes: 1 } })),
    400,
    'trigger',
  ],
  ['date in the past', post(job({ trigger: { type: 'date', runAt: '2020-01-01T00:00:00Z' } })), 400, 'trigger.runAt'],
  ['date not a date', post(job({ trigger: { type: 'date', runAt: 'soon' } })), 400, 'trigger.runAt'],
  ['date missing runAt', post(job({ trigger: { type: 'date' } })), 400, 'trigger.runAt'],
  // Targets
  ['unknown target type', post(job({ target: { type: 'lambda' } })), 400, 'target.type'],
  ['unknown task', post(job({ target: { type: 'task', task: 'nope' } })), 400, 'target.task'],
  [
    'task payload fails its schema',
    post(job({ target: { ...task, payload: { recipient: 'nobody' } } })),
    400,
    'target.payload.recipient',
  ],
  ['task payload missing a field', post(job({ target: { ...task, payload: {} } })), 400, 'target.payload.recipient'],
  ['task payload is an array', post(job({ target: { ...task, payload: [1] } })), 400, 'target.payload'],
  [
    'oversize task payload',
    post(job({ target: { type: 'task', task: 'noop', payload: { blob: 'x'.repeat(MAX_PAYLOAD_BYTES) } } })),
    413,
    'target.payload',
  ],
  [
    'webhook to a private address',
    post(job({ target: { type: 'http', url: 'https://127.0.0.1/hook' } })),
    400,
    'target.url',
  ],
  ['webhook not a URL', post(job({ target: { type: 'http', url: 'not a url' } })), 400, 'target.url'],
  // Retry delays SQS cannot wait out
  [
    'one retry delay past what ChangeMessageVisibility can wait',
    post(job({ retry: { maxSeconds: 43_000 } })),
    400,
    'retry.maxSeconds',
  ],
  [
    'retry delays adding up past the jobs queue retention',
    post(job({ retry: { maxAttempts: 10, initialSeconds: 36_000, multiplier: 1, maxSeconds: 36_000 } })),
    400,
    'retry',
  ],
  // Numbers DynamoDB (or its marshaller) cannot store exactly
  [
    'task payload number above 2^53',
    post(job({ target: { type: 'task', task: 'noop', payload: { amount: 1e16 } } })),
    400,
    'target.payload.amount',
  ],
  [
    'task payload number below 1e-130',
    post(job({ target: { type: 'task', task: 'noop', payload: { rates: [1, 1e-200] } } })),
    400,
    'target.payload.rates.1',
  ],
  [
    'webhook body number above 2^53',
    post(job({ target: { type: 'http', url: 'https://example.com', body: { order: { total: -2e20 } } } })),
    400,
    'target.body.order.total',
  ],
  [
    'run-now payload number above 2^53',
    { method: 'POST', path: '/jobs/existing/run', body: { payload: { amount: 2 ** 60 } } },
    400,
    'payload.amount',
  ],
  [
    'webhook unknown method',
    post(job({ target: { type: 'http', url: 'https://example.com', method: 'TRACE' } })),
    400,
    'target.method',
  ],
  [
    'webhook timeout too long',
    post(job({ target: { type: 'http', url: 'https://example.com', timeoutSeconds: 900 } })),
    400,
    'target.timeoutSeconds',
  ],
  [
    'webhook bad header name',
    post(job({ target: { type: 'http', url: 'https://example.com', headers: { 'bad header': 'x' } } })),
    400,
    'target.headers.bad header',
  ],
  // Query strings and paths
  ['onConflict unknown', post(job({}), { query: { onConflict: 'merge' } }), 400, 'query.onConflict'],
  ['list limit too large', { method: 'GET', path: '/jobs', query: { limit: '1000' } }, 400, 'query.limit'],
  ['list limit not a number', { method: 'GET', path: '/jobs', query: { limit: 'ten' } }, 400, 'query.limit'],
  ['list unknown state', { method: 'GET', path: '/jobs', query: { state: 'sleeping' } }, 400, 'query.state'],
  ['list unknown parameter', { method: 'GET', path: '/jobs', query: { sort: 'name' } }, 400, 'query.sort'],
  [
    'runs unknown status',
    { method: 'GET', path: '/jobs/existing/runs', query: { status: 'done' } },
    400,
    'query.status',
  ],
  ['bad job id in the path', { method: 'GET', path: '/jobs/bad%20id' }, 400, 'id'],
  ['unknown job', { method: 'GET', path: '/jobs/ghost' }, 404, 'id'],
  ['unknown run', { method: 'GET', path: '/jobs/existing/runs/nope' }, 404, 'runId'],
  // PUT, PATCH, pause, run-now, preview
  ['PUT with a different body id', { method: 'PUT', path: '/jobs/a', body: job({ id: 'b' }) }, 400, 'id'],
  ['PATCH of an immutable field', patch({ version: 7 }), 400, 'version'],
  ['PATCH that is not an object', patch([{ op: 'replace' }]), 400, 'body'],
  ['PATCH removing the trigger', patch({ trigger: null }), 400, 'trigger'],
  [
    "PATCH with a sub-minute interval and precision 'minute'",
    patch({ trigger: { type: 'interval', seconds: 5 }, precision: 'minute' }),
    400,
    'trigger.seconds',
  ],
  [
    'PATCH with a stale If-Match',
    patch({ name: 'x' }, { headers: { 'Content-Type': 'application/json', 'If-Match': '"existing.v0"' } }),
    412,
    'header.If-Match',
  ],
  [
    'PATCH with a malformed If-Match',
    patch({ name: 'x' }, { headers: { 'Content-Type': 'application/json', 'If-Match': 'v1' } }),
    400,
    'header.If-Match',
  ],
  ['pause reason is a number', { method: 'POST', path: '/jobs/existing/pause', body: { reason: 5 } }, 400, 'reason'],
  ['pause with an unknown field', { method: 'POST', path: '/jobs/existing/pause', body: { why: 'x' } }, 400, 'why'],
  ['pause with JSON null', { method: 'POST', path: '/jobs/existing/pause', body: 'null' }, 400, 'body'],
  ['run-now with JSON null', { method: 'POST', path: '/jobs/existing/run', body: 'null' }, 400, 'body'],
  ['run-now with a JSON array', { method: 'POST', path: '/jobs/existing/run', body: [] }, 400, 'body'],
  ['run-now with a JSON number', { method: 'POST', path: '/jobs/existing/run', body: '7' }, 400, 'body'],
  [
    'run-now payload fails the task schema',
    { method: 'POST', path: '/jobs/existing/run', body: { payload: { recipient: 1 } } },
    400,
    'payload.recipient',
  ],
  [
    'run-now payload is an array',
    { method: 'POST', path: '/jobs/existing/run', body: { payload: [] } },
    400,
    'payload',
  ],
  [
    'preview count too large',
    { method: 'POST', path: '/triggers/preview', body: { trigger: cron, count: 1000 } },
    400,
    'count',
  ],
  ['preview without a trigger', { method: 'POST', path: '/triggers/preview', body: { count: 3 } }, 400, 'trigger'],
  [
    'preview of an interval of 4,363,572 weeks',
    {
      method: 'POST',
      path: '/triggers/preview',
      body: { trigger: { type: 'interval', weeks: 4_363_572, seconds: 19_380 } },
    },
    400,
    'trigger.weeks',
  ],
  [
    'preview with a bad from',
    { method: 'POST', path: '/triggers/preview', body: { trigger: cron, from: 'now' } },
    400,
    'from',
  ],
];

describe('malformed requests', () => {
  const deps = fakeJobsDeps();
  const call = apiClient(deps);

  beforeAll(async () => {
    const created = await call({ method: 'PUT', path: '/jobs/existing', body: cronJobBody() });
    expect(created.statusCode).toBe(201);
  });

  it('covers at least fifty different mistakes', () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
  });

  it.each(cases)('answers %s with a problem naming the field', async (_what, request, status, path) => {
    // Act
    const response = await call(request);

    // Assess
    expect(response.statusCode).toBe(status);
    expect(response.headers?.['Content-Type']).toBe('application/problem+json');
    const problem = bodyOf(response);
    expect(problem.status).toBe(status);
    expect(problem.type).toMatch(/^urn:sked:problem:/);
    expect(typeof problem.title).toBe('string');
    expect(typeof problem.detail).toBe('string');
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
    expect(response.body).not.toMatch(/\n\s+at /);
  });

  it('left the jobs table as it was', () => {
    expect([...deps.store.jobs.keys()]).toEqual(['existing']);
  });
});
