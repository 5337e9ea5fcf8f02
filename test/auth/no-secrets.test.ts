/**
 * Walks through every auth route with a verbose logger and checks that no reply and no log line
 * carries a password, a password hash, an API token's hash, or a session's stored id.
 */
import { Writable } from 'node:stream';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/hashing.ts';
import { apiTokens, users } from '../../src/db/schema.ts';
import { createLog } from '../../src/lib/log.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';

describe('secrets never leave the server', () => {
  let herald: TestHerald;
  const logLines: string[] = [];

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    herald = await startHerald({ overrides: { log: createLog({ level: 'trace', destination }) } });
  });
  afterAll(async () => herald?.close());

  it('in no reply body or header, and in no log line', async () => {
    const adminPassword = 'the admin password 123';
    const memberPassword = 'the member password 456';
    const replies: { label: string; text: string }[] = [];
    const send = async (label: string, status: number, options: InjectOptions) => {
      const res = await herald.app.inject(options);
      expect(res.statusCode, `${label}: ${res.body}`).toBe(status);
      replies.push({ label, text: `${JSON.stringify(res.headers)}\n${res.body}` });
      return res;
    };

    const setup = await send('setup', 201, {
      method: 'POST',
      url: '/api/setup',
      payload: { email: 'admin@example.test', password: adminPassword, name: 'Admin', workspaceName: 'W' },
    });
    const workspaceId = setup.json().workspace.id;
    await send('failed login', 401, {
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'admin@example.test', password: `${adminPassword}!` },
    });
    const login = await send('login', 200, {
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'admin@example.test', password: adminPassword },
    });
    const sessionToken = login.cookies.find((c) => c.name === 'herald_session')!.value;
    const headers = { cookie: `herald_session=${sessionToken}`, 'x-csrf-token': login.json().csrfToken };

    await send('me', 200, { method: 'GET', url: '/api/me', headers });
    const created = await send('create token', 201, {
      method: 'POST',
      url: '/api/tokens',
      headers,
      payload: { name: 'ci' },
    });
    const apiToken: string = created.json().token;
    const viaToken = { authorization: `Bearer ${apiToken}` };
    await send('list tokens', 200, { method: 'GET', url: '/api/tokens', headers: viaToken });
    await send('add member', 201, {
      method: 'POST',
      url: `/api/workspaces/${workspaceId}/members`,
      headers: viaToken,
      payload: { email: 'member@example.test', role: 'user', password: memberPassword },
    });
    await send('add member again', 409, {
      method: 'POST',
      url: `/api/workspaces/${workspaceId}/members`,
      headers: viaToken,
      payload: { email: 'member@example.test', role: 'user', password: memberPassword },
    });
    await send('list members', 200, {
      method: 'GET',
      url: `/api/workspaces/${workspaceId}/members`,
      headers: viaToken,
    });
    await send('workspaces', 200, { method: 'GET', url: '/api/workspaces', headers: viaToken });
    await send('revoke token', 204, {
      method: 'DELETE',
      url: `/api/tokens/${created.json().id}`,
      headers,
    });
    await send('logout', 204, { method: 'POST', url: '/api/auth/logout', headers });

    const passwordHashes = (await herald.deps.db.select({ h: users.passwordHash }).from(users)).map(
      (r) => r.h,
    );
    const tokenHashes = (await herald.deps.db.select({ h: apiTokens.tokenHash }).from(apiTokens)).map(
      (r) => r.h,
    );
    expect(passwordHashes).toHaveLength(2);
    expect(tokenHashes).toEqual([sha256(apiToken)]);
    const neverInReplies = [
      adminPassword,
      memberPassword,
      '$argon2',
      ...passwordHashes,
      ...tokenHashes,
      sha256(sessionToken),
    ];
    for (const { label, text } of replies) {
      for (const secret of neverInReplies) expect(text, `${label} leaks ${secret}`).not.toContain(secret);
      if (label !== 'create token') expect(text, `${label} shows the API token`).not.toContain(apiToken);
    }

    const log = logLines.join('');
    expect(log).toContain('/api/auth/login');
    for (const secret of [...neverInReplies, apiToken, sessionToken, login.json().csrfToken]) {
      expect(log, `the log leaks ${secret}`).not.toContain(secret);
    }
  });
});
