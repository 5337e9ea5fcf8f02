/**
 * Passwords and who may create workspaces: change your own (other sessions end), an admin's one-time
 * reset link, invitations instead of typed passwords, and the instance's workspace-creation rule.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/db/schema.ts';
import { newTeam, signIn, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';

describe('passwords and workspace creation', () => {
  let herald: TestHerald;
  let team: Team;
  beforeAll(async () => {
    herald = await startHerald();
    team = await newTeam(herald);
  });
  afterAll(async () => herald?.close());

  const me = (headers: Record<string, string>) =>
    herald.app.inject({ method: 'GET', url: '/api/me', headers });
  const linkToken = (url: string) => url.split('/set-password/')[1]!;

  it('changes a password with the current one and ends the other sessions', async () => {
    const here = await signIn(herald, team.user);
    const elsewhere = await signIn(herald, team.user);
    const wrong = await herald.app.inject({
      method: 'POST',
      url: '/api/me/password',
      headers: here.headers,
      payload: { currentPassword: 'not it at all', newPassword: 'a brand new password' },
    });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().error.details.issues[0].path).toBe('currentPassword');
    const res = await herald.app.inject({
      method: 'POST',
      url: '/api/me/password',
      headers: here.headers,
      payload: { currentPassword: team.user.password, newPassword: 'a brand new password' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().endedSessions).toBe(1);
    expect((await me(here.headers)).statusCode).toBe(200);
    expect((await me(elsewhere.headers)).statusCode).toBe(401);
    await signIn(herald, { email: team.user.email, password: 'a brand new password' });
    team.user.password = 'a brand new password';
  });

  it('lets an admin issue a one-time reset link that ends the member’s sessions when used', async () => {
    const before = await signIn(herald, team.viewer);
    const issued = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${team.workspace.id}/members/${team.viewer.id}/password-reset`,
      headers: team.admin.headers,
    });
    expect(issued.statusCode, issued.body).toBe(201);
    const token = linkToken(issued.json().url);
    const described = await herald.app.inject({ method: 'GET', url: `/api/account-links/${token}` });
    expect(described.json()).toMatchObject({ kind: 'password_reset', email: team.viewer.email });
    // Not used yet: nobody is locked out by a mistaken reset.
    expect((await me(before.headers)).statusCode).toBe(200);
    const used = await herald.app.inject({
      method: 'POST',
      url: `/api/account-links/${token}`,
      payload: { password: 'reset to this one' },
    });
    expect(used.statusCode, used.body).toBe(200);
    expect(used.cookies.some((c) => c.name === 'herald_session')).toBe(true);
    expect((await me(before.headers)).statusCode).toBe(401);
    await signIn(herald, { email: team.viewer.email, password: 'reset to this one' });
    const again = await herald.app.inject({
      method: 'POST',
      url: `/api/account-links/${token}`,
      payload: { password: 'and once more please' },
    });
    expect(again.statusCode).toBe(404);
  });

  it('refuses a workspace admin resetting an instance admin, and users resetting anyone', async () => {
    await herald.deps.db.update(users).set({ isInstanceAdmin: true }).where(eq(users.id, team.user.id));
    const res = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${team.workspace.id}/members/${team.user.id}/password-reset`,
      headers: team.admin.headers,
    });
    expect(res.statusCode).toBe(403);
    await herald.deps.db.update(users).set({ isInstanceAdmin: false }).where(eq(users.id, team.user.id));
    const byUser = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${team.workspace.id}/members/${team.viewer.id}/password-reset`,
      headers: team.user.headers,
    });
    expect(byUser.statusCode).toBe(403);
  });

  it('invites a new member with a link instead of a typed password', async () => {
    const email = `invitee-${Date.now()}@example.test`;
    const res = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${team.workspace.id}/invitations`,
      headers: team.admin.headers,
      payload: { email, role: 'user', name: 'Ines Invitee' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().member).toMatchObject({ email, role: 'user' });
    const token = linkToken(res.json().invitation.url);
    const described = await herald.app.inject({ method: 'GET', url: `/api/account-links/${token}` });
    expect(described.json()).toMatchObject({ kind: 'invitation', workspaceName: team.workspace.name });
    const used = await herald.app.inject({
      method: 'POST',
      url: `/api/account-links/${token}`,
      payload: { password: 'my very own password' },
    });
    expect(used.statusCode, used.body).toBe(200);
    await signIn(herald, { email, password: 'my very own password' });
    // Someone who already has an account is just added: no link.
    const other = await newTeam(herald);
    const existing = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${other.workspace.id}/invitations`,
      headers: other.admin.headers,
      payload: { email, role: 'viewer' },
    });
    expect(existing.statusCode, existing.body).toBe(201);
    expect(existing.json().invitation).toBeNull();
  });

  it('lets users but not viewers create workspaces, and follows the instance setting', async () => {
    const create = (headers: Record<string, string>) =>
      herald.app.inject({ method: 'POST', url: '/api/workspaces', headers, payload: { name: 'Mine' } });
    const team2 = await newTeam(herald);
    const viewer = await create(team2.viewer.headers);
    expect(viewer.statusCode).toBe(403);
    expect(viewer.json().error.message).toMatch(/viewers may not create workspaces/);
    const settings = await herald.app.inject({
      method: 'GET',
      url: '/api/instance/settings',
      headers: team2.viewer.headers,
    });
    expect(settings.json()).toEqual({ workspaceCreators: 'admins_and_users', canCreateWorkspaces: false });
    expect((await create(team2.user.headers)).statusCode).toBe(201);

    const patch = (headers: Record<string, string>, workspaceCreators: string) =>
      herald.app.inject({
        method: 'PATCH',
        url: '/api/instance/settings',
        headers,
        payload: { workspaceCreators },
      });
    expect((await patch(team2.admin.headers, 'everyone')).statusCode).toBe(403);
    await herald.deps.db.update(users).set({ isInstanceAdmin: true }).where(eq(users.id, team2.admin.id));
    expect((await patch(team2.admin.headers, 'instance_admins')).statusCode).toBe(200);
    expect((await create(team2.user.headers)).statusCode).toBe(403);
    expect((await create(team2.admin.headers)).statusCode).toBe(201);
    expect((await patch(team2.admin.headers, 'everyone')).statusCode).toBe(200);
    expect((await create(team2.viewer.headers)).statusCode).toBe(201);
    await patch(team2.admin.headers, 'admins_and_users');
  });
});
