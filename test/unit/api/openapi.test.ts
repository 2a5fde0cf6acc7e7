import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeApiRouter } from '../../../lib/handlers/api-handler';
import { buildOpenApiDocument } from '../../../lib/openapi';
import { OPENAPI_PATH, renderOpenApi } from '../../../scripts/write-openapi';
import { fakeJobsDeps } from '../../support/fakes/jobs-deps';

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
