import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, users } from '../../src/db/schema.ts';
import { addMemberTo, newTeam, newUser, signIn, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';

describe('workspace members', () => {
  let herald: TestHerald;
  let team: Team;

  const url = (path = '') => `/api/workspaces/${team.workspace.id}/members${path}`;
  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    headers: Record<string, string>,
    payload?: Record<string, unknown>,
  ) => herald.app.inject({ method, url: url(path), headers, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    herald = await startHerald();
  });
  beforeEach(async () => {
    team = await newTeam(herald);
  });
  afterAll(async () => herald?.close());

  it('lists members with roles to any member, viewers included', async () => {
    const res = await call('GET', '', team.viewer.headers);
    expect(res.statusCode).toBe(200);
    const members = res.json().members;
    expect(members).toHaveLength(3);
    expect(members).toContainEqual({
      userId: team.admin.id,
      email: team.admin.email,
      name: team.admin.name,
      role: 'admin',
      createdAt: expect.any(String),
    });
    expect(
      Object.fromEntries(members.map((m: { userId: string; role: string }) => [m.userId, m.role])),
    ).toEqual({
      [team.admin.id]: 'admin',
      [team.user.id]: 'user',
      [team.viewer.id]: 'viewer',
    });
  });

  it('refuses writes to viewers and users with 403', async () => {
    for (const member of [team.viewer, team.user]) {
      const add = await call('POST', '', member.headers, { email: 'x@example.test', role: 'viewer' });
      expect(add.statusCode).toBe(403);
      expect(add.json().error.code).toBe('forbidden');
      expect((await call('PATCH', `/${team.viewer.id}`, member.headers, { role: 'admin' })).statusCode).toBe(
        403,
      );
      expect((await call('DELETE', `/${team.viewer.id}`, member.headers)).statusCode).toBe(403);
    }
  });

  it('answers 404 to an outsider on every member route, and 401 to nobody', async () => {
    const { outsider } = team;
    expect((await call('GET', '', outsider.headers)).statusCode).toBe(404);
    expect(
      (await call('POST', '', outsider.headers, { email: outsider.email, role: 'admin' })).statusCode,
    ).toBe(404);
    expect((await call('PATCH', `/${outsider.id}`, outsider.headers, { role: 'admin' })).statusCode).toBe(
      404,
    );
    expect((await call('DELETE', `/${team.admin.id}`, outsider.headers)).statusCode).toBe(404);
    const unknownWorkspace = await herald.app.inject({
      method: 'GET',
      url: '/api/workspaces/00000000-0000-4000-8000-000000000000/members',
      headers: team.admin.headers,
    });
    expect(unknownWorkspace.statusCode).toBe(404);
    expect((await call('GET', '', {})).statusCode).toBe(401);
  });

  it('adds an existing user by email (any case), audits it, and refuses a second time with 409', async () => {
    const someone = await newUser(herald.deps);
    const res = await call('POST', '', team.admin.headers, {
      email: someone.email.toUpperCase(),
      role: 'user',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({
      userId: someone.id,
      email: someone.email,
      name: someone.name,
      role: 'user',
      createdAt: expect.any(String),
    });
    const [audit] = await herald.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'member.add'), eq(auditLog.entityId, someone.id)));
    expect(audit).toMatchObject({ workspaceId: team.workspace.id, actorUserId: team.admin.id });

    const again = await call('POST', '', team.admin.headers, { email: someone.email, role: 'viewer' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('conflict');
  });

  it('creates the user when a password is given, who can then log in', async () => {
    const res = await call('POST', '', team.admin.headers, {
      email: 'New.Person@Example.test',
      role: 'viewer',
      password: 'their own password',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      email: 'new.person@example.test',
      name: 'new.person',
      role: 'viewer',
    });
    const session = await signIn(herald, {
      email: 'new.person@example.test',
      password: 'their own password',
    });
    const me = await herald.app.inject({ method: 'GET', url: '/api/me', headers: session.headers });
    expect(me.json().workspaces).toEqual([
      expect.objectContaining({ id: team.workspace.id, role: 'viewer' }),
    ]);

    const named = await call('POST', '', team.admin.headers, {
      email: `named-${team.workspace.slug}@example.test`,
      role: 'user',
      name: 'Named Person',
      password: 'their own password',
    });
    expect(named.json().name).toBe('Named Person');
  });

  it('needs a password to create an unknown user: 422 naming password', async () => {
    const res = await call('POST', '', team.admin.headers, { email: 'unknown@example.test', role: 'user' });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({
      code: 'invalid',
      message: expect.stringContaining('password'),
      details: { issues: [{ path: 'password', message: expect.any(String) }] },
    });
    const [created] = await herald.deps.db
      .select()
      .from(users)
      .where(eq(users.email, 'unknown@example.test'));
    expect(created).toBeUndefined();
  });

  it('refuses a password for an existing user, leaving theirs unchanged', async () => {
    const someone = await newUser(herald.deps);
    const res = await call('POST', '', team.admin.headers, {
      email: someone.email,
      role: 'user',
      password: 'an admin-chosen password',
    });
    expect(res.statusCode).toBe(409);
    expect((await call('GET', '', team.admin.headers)).json().members).toHaveLength(3);
    await signIn(herald, someone);
  });

  it('changes a role and audits the change', async () => {
    const res = await call('PATCH', `/${team.user.id}`, team.admin.headers, { role: 'viewer' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ userId: team.user.id, role: 'viewer' });
    const write = await herald.app.inject({
      method: 'POST',
      url: url(),
      headers: team.user.headers,
      payload: { email: 'a@example.test', role: 'viewer' },
    });
    expect(write.statusCode).toBe(403);
    const [audit] = await herald.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'member.role_change'), eq(auditLog.entityId, team.user.id)));
    expect(audit?.data).toEqual({ from: 'user', to: 'viewer' });
  });

  it('removes a member, who then gets 404 on the workspace', async () => {
    const res = await call('DELETE', `/${team.user.id}`, team.admin.headers);
    expect(res.statusCode).toBe(204);
    expect((await call('GET', '', team.user.headers)).statusCode).toBe(404);
    expect((await call('DELETE', `/${team.user.id}`, team.admin.headers)).statusCode).toBe(404);
    const audits = await herald.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'member.remove'), eq(auditLog.entityId, team.user.id)));
    expect(audits).toHaveLength(1);
  });

  it('answers 404 for users who are not members here, and 400 for malformed ids', async () => {
    for (const id of [team.outsider.id, '00000000-0000-4000-8000-000000000000']) {
      expect((await call('PATCH', `/${id}`, team.admin.headers, { role: 'user' })).statusCode).toBe(404);
      expect((await call('DELETE', `/${id}`, team.admin.headers)).statusCode).toBe(404);
    }
    const malformed = await call('PATCH', '/not-a-uuid', team.admin.headers, { role: 'user' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.message).toContain('params.userId');
  });

  it('never leaves a workspace without an admin', async () => {
    const demote = await call('PATCH', `/${team.admin.id}`, team.admin.headers, { role: 'user' });
    expect(demote.statusCode).toBe(409);
    expect(demote.json().error.code).toBe('conflict');
    expect((await call('DELETE', `/${team.admin.id}`, team.admin.headers)).statusCode).toBe(409);
    // Keeping the admin role is not a demotion.
    expect((await call('PATCH', `/${team.admin.id}`, team.admin.headers, { role: 'admin' })).statusCode).toBe(
      200,
    );

    // With a second admin, the first may step down; then the second is the last.
    expect((await call('PATCH', `/${team.user.id}`, team.admin.headers, { role: 'admin' })).statusCode).toBe(
      200,
    );
    expect(
      (await call('PATCH', `/${team.admin.id}`, team.admin.headers, { role: 'viewer' })).statusCode,
    ).toBe(200);
    expect((await call('DELETE', `/${team.user.id}`, team.user.headers)).statusCode).toBe(409);
    const roles = (await call('GET', '', team.user.headers))
      .json()
      .members.map((m: { role: string }) => m.role);
    expect(roles.filter((r: string) => r === 'admin')).toHaveLength(1);
  });

  it('lets only one of two admins stepping down at once succeed', async () => {
    await addMemberTo(herald.deps, {
      workspaceId: team.workspace.id,
      userId: team.outsider.id,
      role: 'admin',
    });
    const results = await Promise.all([
      call('PATCH', `/${team.admin.id}`, team.admin.headers, { role: 'viewer' }),
      call('DELETE', `/${team.outsider.id}`, team.outsider.headers),
    ]);
    expect(results.map((r) => r.statusCode).filter((s) => s === 409)).toHaveLength(1);
    const admins = (await call('GET', '', team.viewer.headers))
      .json()
      .members.filter((m: { role: string }) => m.role === 'admin');
    expect(admins).toHaveLength(1);
  });

  it('rejects invalid bodies with 400 naming the field', async () => {
    const cases: ['POST' | 'PATCH', string, Record<string, unknown>, string][] = [
      ['POST', '', { role: 'user' }, 'body.email'],
      ['POST', '', { email: 'not an email', role: 'user' }, 'body.email'],
      ['POST', '', { email: 'a@example.test', role: 'owner' }, 'body.role'],
      ['POST', '', { email: 'a@example.test', role: 'user', password: 'short' }, 'body.password'],
      ['POST', '', { email: 'a@example.test', role: 'user', name: '' }, 'body.name'],
      ['PATCH', `/${team.user.id}`, {}, 'body.role'],
      ['PATCH', `/${team.user.id}`, { role: 'superuser' }, 'body.role'],
    ];
    for (const [method, path, payload, field] of cases) {
      const res = await call(method, path, team.admin.headers, payload);
      expect(res.statusCode, `${method} ${JSON.stringify(payload)}`).toBe(400);
      expect(res.json().error.message).toContain(field);
    }
  });
});
