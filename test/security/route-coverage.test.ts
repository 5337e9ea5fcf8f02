/**
 * The security tests are only as good as their route list. These checks tie the matrix
 * (`routes.ts`) to what the app really serves, both ways, so a new route — even one hidden from the
 * OpenAPI document — fails here until the matrix says who may call it and what a valid request is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, type TestHerald } from '../support/harness.ts';
import {
  isOutsideTheApi,
  isWorkspaceRoute,
  type OpenApiDocument,
  openApiOperations,
  routeMatrix,
  routes,
  routeTable,
} from './routes.ts';

describe('the route matrix', () => {
  let herald: TestHerald;
  let table: string[];
  let documented: ReturnType<typeof openApiOperations>;

  beforeAll(async () => {
    herald = await startHerald();
    table = routeTable(herald.app);
    const res = await herald.app.inject({ method: 'GET', url: '/api/openapi.json' });
    documented = openApiOperations(res.json() as OpenApiDocument);
  });
  afterAll(async () => herald?.close());

  it('reads the real route table: every API route it lists is one Fastify routes to', () => {
    expect(table.length).toBeGreaterThan(40);
    expect(table).toContain('POST /api/workspaces/:workspaceId/posts/:postId/targets/:targetId/resolve');
    expect(table).toContain('POST /sandbox/api/media'); // a fragment split by the router's tree
    // Checked for the API's routes only: the tree prints a wildcard below a shared static prefix
    // without that prefix (Swagger UI's `/api/docs/static/*` shows as `/api/docs/*`).
    for (const key of table.filter((k) => !isOutsideTheApi(k))) {
      const [method, url] = key.split(' ') as [string, string];
      expect(herald.app.hasRoute({ method: method as 'GET', url }), key).toBe(true);
    }
  });

  it('has no API route missing from the OpenAPI document (a hidden route would skip the checks)', () => {
    const served = table.filter((key) => !isOutsideTheApi(key));
    expect(served).toEqual([...documented.keys()].sort());
  });

  it('describes every documented route, and only those', () => {
    expect(Object.keys(routeMatrix).sort()).toEqual([...documented.keys()].sort());
  });

  it('covers every workspace route', () => {
    const workspaceRoutes = [...documented.keys()].filter((key) =>
      isWorkspaceRoute({ url: key.split(' ')[1]! }),
    );
    expect(workspaceRoutes.length).toBeGreaterThanOrEqual(30);
    for (const key of workspaceRoutes) expect(routeMatrix[key]?.needs, key).toMatch(/^(viewer|user|admin)$/);
  });

  it('says what every path parameter names, and gives a valid body wherever the API takes one', () => {
    for (const route of routes()) {
      const params = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1]!).filter((p) => p !== 'workspaceId');
      expect(Object.keys(route.spec.params ?? {}).sort(), route.key).toEqual(params.sort());
      const operation = documented.get(route.key);
      const takesJson = Boolean(operation?.requestBody?.content['application/json']);
      expect(Boolean(route.spec.body), `${route.key}: a valid body`).toBe(takesJson);
    }
  });
});
