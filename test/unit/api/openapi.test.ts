import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeApiRouter } from '../../../lib/handlers/api-handler';
import { buildOpenApiDocument } from '../../../lib/openapi';
import { OPENAPI_PATH, renderOpenApi } from '../../../scripts/write-openapi';
import { fakeJobsDeps } from '../../support/fakes/jobs-deps';

interface OperationDoc {
  readonly description?: string;
  readonly requestBody?: unknown;
  readonly responses: Record<string, unknown>;
}

describe('openapi.json', () => {
  it('matches what the zod schemas generate (run `npm run openapi` after changing a schema)', () => {
    // Prepare
    const committed = readFileSync(OPENAPI_PATH, 'utf8');

    // Act
    const generated = renderOpenApi();

    // Assess
    expect(committed).toBe(generated);
  });

  it('documents every route the handler serves, and nothing else', () => {
    // Prepare
    const routes = makeApiRouter(fakeJobsDeps(), { openApiDocument: () => ({}) })
      .list()
      .map(({ method, pattern }) => `${method} ${pattern}`)
      .sort();

    // Act
    const paths = buildOpenApiDocument().paths as Record<string, Record<string, unknown>>;
    const documented = Object.entries(paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();

    // Assess
    expect(documented).toEqual(routes);
  });

  it('documents, for every operation, each status API Gateway and the API can answer', () => {
    // Prepare
    const paths = buildOpenApiDocument().paths as Record<string, Record<string, OperationDoc>>;
    const missing: string[] = [];

    // Act
    for (const [path, operations] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const wanted = [
          '403',
          '429',
          '500',
          ...(path.includes('{id}') ? ['400', '404'] : []),
          ...(operation.requestBody !== undefined ? ['400', '413', '415'] : []),
        ];
        for (const status of wanted) {
          if (operation.responses[status] === undefined) missing.push(`${method.toUpperCase()} ${path} ${status}`);
        }
      }
    }

    // Assess
    expect(missing).toEqual([]);
  });

  it('describes the API Gateway refusals with the body API Gateway sends', () => {
    // Prepare
    const paths = buildOpenApiDocument().paths as Record<string, Record<string, OperationDoc>>;

    // Act
    const forbidden = paths['/jobs']?.get?.responses['403'];

    // Assess
    expect(forbidden).toMatchObject({
      content: { 'application/json': { schema: { $ref: '#/components/schemas/GatewayError' } } },
    });
  });

  it('states the rules across fields on every operation that writes a job', () => {
    // Prepare
    const paths = buildOpenApiDocument().paths as Record<string, Record<string, OperationDoc>>;

    // Act
    const writes = [paths['/jobs']?.post, paths['/jobs/{id}']?.put, paths['/jobs/{id}']?.patch];

    // Assess
    for (const operation of writes) {
      expect(operation?.description).toMatch(/`endAt` must be after `startAt` and in the future/);
      expect(operation?.description).toMatch(/`runAt` must be in the future/);
      expect(operation?.description).toMatch(/`retry.maxSeconds` must be at least `retry.initialSeconds`/);
      expect(operation?.description).toMatch(/retry delays must add up to at most 259200 s/);
    }
  });

  it('resolves every $ref to a component', () => {
    // Prepare
    const text = JSON.stringify(buildOpenApiDocument());
    const components = Object.keys((buildOpenApiDocument().components as { schemas: Record<string, unknown> }).schemas);

    // Act
    const refs = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]);

    // Assess
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((ref) => ref === undefined || !components.includes(ref))).toEqual([]);
  });
});
