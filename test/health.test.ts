import { sql } from 'drizzle-orm';
import { rowsOf } from '../src/db/client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHerald, type TestHerald } from './support/harness.ts';

describe('health and API documents', () => {
  let herald: TestHerald;
  beforeAll(async () => {
    herald = await startHerald();
  });
  afterAll(async () => herald?.close());

  it('reports status, database kind and version', async () => {
    const res = await herald.app.inject({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('ok');
    expect(body.database.kind).toBe(process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite');
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('serves an OpenAPI 3 document', async () => {
    const res = await herald.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    expect(res.json().openapi).toMatch(/^3\./);
    expect(res.json().paths['/api/health']).toBeDefined();
  });

  it('answers unknown routes with the error shape', async () => {
    const res = await herald.app.inject({ method: 'GET', url: '/api/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not_found', message: expect.any(String), details: null } });
  });
});

describe('readiness', () => {
  let herald: TestHerald;
  beforeAll(async () => {
    herald = await startHerald();
  });
  afterAll(async () => herald?.close());

  it('is ready when the database answers and every migration is applied', async () => {
    const res = await herald.app.inject({ method: 'GET', url: '/api/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      ready: true,
      migrations: { current: true, pending: [], changed: [] },
    });
  });

  it('is not ready, naming the migration, when one is missing or was edited after it was applied', async () => {
    const [first, second] = rowsOf<{ tag: string }>(
      await herald.deps.db.execute(sql`select tag from herald_migrations order by tag limit 2`),
    );
    await herald.deps.db.execute(sql`delete from herald_migrations where tag = ${first!.tag}`);
    await herald.deps.db.execute(
      sql`update herald_migrations set hash = 'edited' where tag = ${second!.tag}`,
    );
    const res = await herald.app.inject({ method: 'GET', url: '/api/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      ready: false,
      database: { reachable: true },
      migrations: { current: false, pending: [first!.tag], changed: [second!.tag] },
    });
  });
});
