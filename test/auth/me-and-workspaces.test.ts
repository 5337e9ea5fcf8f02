import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMemberTo, bearer, newUser, newWorkspace, signIn, tokenFor } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';

describe('the current user, their workspaces, and CSRF', () => {
  let herald: TestHerald;
  beforeAll(async () => {
    herald = await startHerald();
  });
  afterAll(async () => herald?.close());

  it('GET /api/me shows the user, their workspaces with roles, and the CSRF token of a session', async () => {
    const user = await newUser(herald.deps, { name: 'Mia', instanceAdmin: true });
    const own = await newWorkspace(herald.deps, { name: 'Own', owner: user.id });
    const other = await newWorkspace(herald.deps, { name: 'Other' });
    await addMemberTo(herald.deps, { workspaceId: other.id, userId: user.id, role: 'viewer' });
    await newWorkspace(herald.deps, { name: 'Not mine' });

    const session = await signIn(herald, user);
    const viaCookie = await herald.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { cookie: session.cookie },
    });
    expect(viaCookie.statusCode).toBe(200);
    expect(viaCookie.json()).toEqual({
      user: { id: user.id, email: user.email, name: 'Mia', isInstanceAdmin: true },
      workspaces: [
        { id: own.id, name: 'Own', slug: own.slug, role: 'admin' },
        { id: other.id, name: 'Other', slug: other.slug, role: 'viewer' },
      ],
      csrfToken: session.csrfToken,
    });

    const token = await tokenFor(herald.deps, user.id);
    const viaToken = await herald.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: bearer(token),
    });
    expect(viaToken.json()).toMatchObject({ user: { id: user.id }, csrfToken: null });
  });

  it('answers 401 without credentials, with a bad token, and with an unknown cookie', async () => {
    const none = await herald.app.inject({ method: 'GET', url: '/api/me' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('unauthenticated');
    const badToken = await herald.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: 'Bearer hrld_nope' },
    });
    expect(badToken.statusCode).toBe(401);
    const badCookie = await herald.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { cookie: 'herald_session=forged' },
    });
    expect(badCookie.statusCode).toBe(401);
  });

  it('lists and creates workspaces; the creator is admin and slugs stay unique', async () => {
    const user = await newUser(herald.deps);
    const token = await tokenFor(herald.deps, user.id);
    const headers = bearer(token);
    const create = (name: string) =>
      herald.app.inject({ method: 'POST', url: '/api/workspaces', headers, payload: { name } });

    const first = await create('  Café Marketing! ');
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toEqual({
      id: expect.any(String),
      name: 'Café Marketing!',
      slug: 'cafe-marketing',
      role: 'admin',
    });
    const second = await create('Cafe marketing');
    expect(second.json().slug).toBe('cafe-marketing-2');
    const third = await create('日本');
    expect(third.json().slug).toMatch(/^workspace(-\d+)?$/);

    const list = await herald.app.inject({ method: 'GET', url: '/api/workspaces', headers });
    expect(list.json().workspaces.map((w: { slug: string; role: string }) => [w.slug, w.role])).toEqual([
      ['cafe-marketing', 'admin'],
      ['cafe-marketing-2', 'admin'],
      [third.json().slug, 'admin'],
    ]);

    // The new workspace's member routes accept its creator as admin.
    const members = await herald.app.inject({
      method: 'GET',
      url: `/api/workspaces/${first.json().id}/members`,
      headers,
    });
    expect(members.json().members).toEqual([expect.objectContaining({ userId: user.id, role: 'admin' })]);
  });

  it('creates workspaces with unique slugs even when created at once', async () => {
    const user = await newUser(herald.deps);
    const headers = bearer(await tokenFor(herald.deps, user.id));
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        herald.app.inject({
          method: 'POST',
          url: '/api/workspaces',
          headers,
          payload: { name: 'Same Name' },
        }),
      ),
    );
    expect(results.map((r) => r.statusCode)).toEqual([201, 201, 201]);
    expect(new Set(results.map((r) => r.json().slug)).size).toBe(3);
  });

  it('rejects a workspace without a name with 400 naming the field', async () => {
    const user = await newUser(herald.deps);
    const headers = bearer(await tokenFor(herald.deps, user.id));
    for (const payload of [{}, { name: '' }, { name: 'x'.repeat(101) }]) {
      const res = await herald.app.inject({ method: 'POST', url: '/api/workspaces', headers, payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toContain('body.name');
    }
    const anonymous = await herald.app.inject({
      method: 'POST',
      url: '/api/workspaces',
      payload: { name: 'x' },
    });
    expect(anonymous.statusCode).toBe(401);
  });

  describe('CSRF', () => {
    it('requires X-CSRF-Token on cookie-authenticated writes: missing or wrong is 403', async () => {
      const user = await newUser(herald.deps);
      const session = await signIn(herald, user);
      const post = (headers: Record<string, string>) =>
        herald.app.inject({
          method: 'POST',
          url: '/api/workspaces',
          headers,
          payload: { name: 'By cookie' },
        });

      const missing = await post({ cookie: session.cookie });
      expect(missing.statusCode).toBe(403);
      expect(missing.json().error.code).toBe('forbidden');
      const wrong = await post({ cookie: session.cookie, 'x-csrf-token': 'not-the-token' });
      expect(wrong.statusCode).toBe(403);
      // Another session's token is wrong too.
      const otherSession = await signIn(herald, user);
      expect(
        (await post({ cookie: session.cookie, 'x-csrf-token': otherSession.csrfToken })).statusCode,
      ).toBe(403);

      expect((await post(session.headers)).statusCode).toBe(201);
      // Reads need no token.
      const read = await herald.app.inject({
        method: 'GET',
        url: '/api/workspaces',
        headers: { cookie: session.cookie },
      });
      expect(read.statusCode).toBe(200);
    });

    it('does not apply to bearer tokens, which a browser never sends on its own', async () => {
      const user = await newUser(herald.deps);
      const token = await tokenFor(herald.deps, user.id);
      const res = await herald.app.inject({
        method: 'POST',
        url: '/api/workspaces',
        headers: bearer(token),
        payload: { name: 'By token' },
      });
      expect(res.statusCode).toBe(201);
    });
  });
});
