import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/hashing.ts';
import { apiTokens, auditLog } from '../../src/db/schema.ts';
import { manualClock } from '../../src/lib/clock.ts';
import { bearer, newUser, type SignedIn, signIn, type TestUser, tokenFor } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';

const DAY = 24 * 60 * 60 * 1000;

describe('API tokens', () => {
  let herald: TestHerald;
  const clock = manualClock(new Date('2030-06-01T12:00:00Z'));
  let user: TestUser;
  let session: SignedIn;

  const createToken = (payload: Record<string, unknown>, headers: Record<string, string> = session.headers) =>
    herald.app.inject({ method: 'POST', url: '/api/tokens', headers, payload });
  const me = (token: string) => herald.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });

  beforeAll(async () => {
    herald = await startHerald({ overrides: { clock } });
    user = await newUser(herald.deps);
    session = await signIn(herald, user);
  });
  afterAll(async () => herald?.close());

  it('creates a token shown once, stored only as its sha256, that authenticates', async () => {
    const res = await createToken({ name: ' deploy script ', expiresInDays: 30 });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toEqual({
      id: expect.any(String),
      name: 'deploy script',
      prefix: body.token.slice(0, 12),
      token: expect.stringMatching(/^hrld_[A-Za-z0-9_-]{43}$/),
      expiresAt: new Date(clock.now().getTime() + 30 * DAY).toISOString(),
      createdAt: clock.now().toISOString(),
    });

    const [row] = await herald.deps.db.select().from(apiTokens).where(eq(apiTokens.id, body.id));
    expect(row?.tokenHash).toBe(sha256(body.token));
    expect(Object.values(row!)).not.toContain(body.token);

    const whoami = await me(body.token);
    expect(whoami.statusCode).toBe(200);
    expect(whoami.json().user.id).toBe(user.id);
    const [used] = await herald.deps.db.select().from(apiTokens).where(eq(apiTokens.id, body.id));
    expect(used?.lastUsedAt).toEqual(clock.now());

    const [audit] = await herald.deps.db.select().from(auditLog).where(eq(auditLog.entityId, body.id));
    expect(audit).toMatchObject({ action: 'api_token.create', actorUserId: user.id });
    expect(JSON.stringify(audit)).not.toContain(body.token);
  });

  it('stops accepting a token once it expires', async () => {
    const res = await createToken({ name: 'short-lived', expiresInDays: 1 });
    const { token } = res.json();
    expect((await me(token)).statusCode).toBe(200);
    clock.advance(DAY + 1000);
    expect((await me(token)).statusCode).toBe(401);
  });

  it("lists the caller's tokens without the token or its hash", async () => {
    const other = await newUser(herald.deps);
    await tokenFor(herald.deps, other.id);
    const created = (await createToken({ name: 'listed' })).json();

    const res = await herald.app.inject({ method: 'GET', url: '/api/tokens', headers: session.headers });
    expect(res.statusCode).toBe(200);
    const tokens = res.json().tokens as Record<string, unknown>[];
    expect(tokens[0]).toEqual({
      id: created.id,
      name: 'listed',
      prefix: created.prefix,
      lastUsedAt: null,
      expiresAt: null,
      revokedAt: null,
      createdAt: expect.any(String),
    });
    // Newest first; the other two share a creation instant (the clock stood still).
    expect(tokens.map((t) => t.name).sort()).toEqual(['deploy script', 'listed', 'short-lived']);
    expect(res.body).not.toContain(created.token);
    expect(res.body).not.toContain(sha256(created.token));
  });

  it('revokes a token: 204, it stops working (401), and it shows as revoked', async () => {
    const { id, token } = (await createToken({ name: 'to revoke' })).json();
    expect((await me(token)).statusCode).toBe(200);

    const res = await herald.app.inject({
      method: 'DELETE',
      url: `/api/tokens/${id}`,
      headers: session.headers,
    });
    expect(res.statusCode).toBe(204);
    const afterRevoke = await me(token);
    expect(afterRevoke.statusCode).toBe(401);
    expect(afterRevoke.json().error.code).toBe('unauthenticated');

    const list = await herald.app.inject({ method: 'GET', url: '/api/tokens', headers: session.headers });
    const listed = list.json().tokens.find((t: { id: string }) => t.id === id);
    expect(listed.revokedAt).toBe(clock.now().toISOString());

    // Revoking again is harmless and audited once.
    const again = await herald.app.inject({
      method: 'DELETE',
      url: `/api/tokens/${id}`,
      headers: session.headers,
    });
    expect(again.statusCode).toBe(204);
    const audits = await herald.deps.db.select().from(auditLog).where(eq(auditLog.entityId, id));
    expect(audits.map((a) => a.action).sort()).toEqual(['api_token.create', 'api_token.revoke']);
  });

  it('lets a token revoke itself', async () => {
    const token = await tokenFor(herald.deps, user.id);
    const [row] = await herald.deps.db
      .select()
      .from(apiTokens)
      .where(eq(apiTokens.tokenHash, sha256(token)));
    const res = await herald.app.inject({
      method: 'DELETE',
      url: `/api/tokens/${row!.id}`,
      headers: bearer(token),
    });
    expect(res.statusCode).toBe(204);
    expect((await me(token)).statusCode).toBe(401);
  });

  it("answers 404 for another user's token and for an unknown id, and leaves it working", async () => {
    const other = await newUser(herald.deps);
    const otherToken = await tokenFor(herald.deps, other.id);
    const [row] = await herald.deps.db
      .select()
      .from(apiTokens)
      .where(eq(apiTokens.tokenHash, sha256(otherToken)));

    const foreign = await herald.app.inject({
      method: 'DELETE',
      url: `/api/tokens/${row!.id}`,
      headers: session.headers,
    });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe('not_found');
    expect((await me(otherToken)).statusCode).toBe(200);

    const unknown = await herald.app.inject({
      method: 'DELETE',
      url: '/api/tokens/00000000-0000-4000-8000-000000000000',
      headers: session.headers,
    });
    expect(unknown.statusCode).toBe(404);
    const malformed = await herald.app.inject({
      method: 'DELETE',
      url: '/api/tokens/nope',
      headers: session.headers,
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.message).toContain('params.id');
  });

  it('does not let a token create tokens', async () => {
    const token = await tokenFor(herald.deps, user.id);
    const res = await createToken({ name: 'minted by a token' }, bearer(token));
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
  });

  it('needs authentication for every token route', async () => {
    expect((await herald.app.inject({ method: 'GET', url: '/api/tokens' })).statusCode).toBe(401);
    expect((await createToken({ name: 'x' }, {})).statusCode).toBe(401);
    const del = await herald.app.inject({
      method: 'DELETE',
      url: '/api/tokens/00000000-0000-4000-8000-000000000000',
    });
    expect(del.statusCode).toBe(401);
  });

  it('rejects invalid bodies with 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'body.name'],
      [{ name: '   ' }, 'body.name'],
      [{ name: 'x', expiresInDays: 0 }, 'body.expiresInDays'],
      [{ name: 'x', expiresInDays: 1.5 }, 'body.expiresInDays'],
      [{ name: 'x', expiresInDays: '30' }, 'body.expiresInDays'],
      [{ name: 'x', expiresInDays: 3651 }, 'body.expiresInDays'],
    ];
    for (const [payload, field] of cases) {
      const res = await createToken(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.message).toContain(field);
    }
  });
});
