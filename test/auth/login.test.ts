import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/hashing.ts';
import { auditLog, loginAttempts, sessions, users } from '../../src/db/schema.ts';
import { SESSION_COOKIE } from '../../src/http/auth.ts';
import { manualClock } from '../../src/lib/clock.ts';
import { newUser, signIn, type TestUser } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

describe('login, sessions and logout', () => {
  let herald: TestHerald;
  const clock = manualClock(new Date('2030-01-01T10:00:00Z'));
  let ipCounter = 0;
  /** Each test logs in from its own address, so the per-IP throttle of one never trips another. */
  const freshIp = () => `198.51.100.${++ipCounter}`;

  const login = (body: Record<string, unknown>, ip: string, headers: Record<string, string> = {}) =>
    herald.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: body,
      headers: { 'x-forwarded-for': ip, ...headers },
    });

  beforeAll(async () => {
    herald = await startHerald({ env: { HERALD_TRUST_PROXY: 'true' }, overrides: { clock } });
  });
  afterAll(async () => herald?.close());

  it('logs in with a session cookie that is HttpOnly, SameSite=Lax, Path=/ and lasts 30 days', async () => {
    const user = await newUser(herald.deps, { email: 'ann@example.test' });
    const res = await login({ email: 'ANN@example.test', password: user.password }, freshIp());
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      user: { id: user.id, email: 'ann@example.test', name: user.name, isInstanceAdmin: false },
      csrfToken: expect.any(String),
    });

    const cookie = res.cookies.find((c) => c.name === SESSION_COOKIE)!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie.secure).toBeFalsy();
    expect(cookie.expires?.getTime()).toBe(clock.now().getTime() + 30 * DAY);
    expect(Buffer.from(cookie.value, 'base64url')).toHaveLength(32);

    // Only the cookie's sha256 is stored.
    const [session] = await herald.deps.db.select().from(sessions).where(eq(sessions.userId, user.id));
    expect(session?.id).toBe(sha256(cookie.value));
    expect(session?.csrfToken).toBe(res.json().csrfToken);

    const [row] = await herald.deps.db.select().from(users).where(eq(users.id, user.id));
    expect(row?.lastLoginAt).toEqual(clock.now());
    const audit = await herald.deps.db.select().from(auditLog).where(eq(auditLog.actorUserId, user.id));
    expect(audit.map((a) => a.action)).toEqual(['user.login']);
  });

  it('marks the cookie Secure behind an HTTPS proxy', async () => {
    const user = await newUser(herald.deps);
    const res = await login({ email: user.email, password: user.password }, freshIp(), {
      'x-forwarded-proto': 'https',
    });
    expect(res.cookies.find((c) => c.name === SESSION_COOKIE)?.secure).toBe(true);
  });

  it('marks the cookie Secure when PUBLIC_URL is https', async () => {
    const secure = await startHerald({ env: { PUBLIC_URL: 'https://herald.example.test' } });
    try {
      const user = await newUser(secure.deps);
      const res = await secure.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: user.email, password: user.password },
      });
      expect(res.statusCode).toBe(200);
      expect(res.cookies.find((c) => c.name === SESSION_COOKIE)?.secure).toBe(true);
    } finally {
      await secure.close();
    }
  });

  it('answers a wrong password and an unknown email with the same 401', async () => {
    const user = await newUser(herald.deps);
    const ip = freshIp();
    const wrongPassword = await login({ email: user.email, password: 'not the password' }, ip);
    const unknownEmail = await login({ email: 'nobody@example.test', password: user.password }, ip);
    expect(wrongPassword.statusCode).toBe(401);
    expect(unknownEmail.statusCode).toBe(401);
    expect(wrongPassword.json()).toEqual(unknownEmail.json());
    expect(wrongPassword.json().error).toEqual({
      code: 'unauthenticated',
      message: 'wrong email or password',
      details: null,
    });
    expect(wrongPassword.cookies).toHaveLength(0);
  });

  it('refuses an inactive user with the same 401', async () => {
    const user = await newUser(herald.deps);
    await herald.deps.db.update(users).set({ isActive: false }).where(eq(users.id, user.id));
    const res = await login({ email: user.email, password: user.password }, freshIp());
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toBe('wrong email or password');
  });

  it('throttles an email after 5 failures in 15 minutes, with Retry-After, even for the right password', async () => {
    const user = await newUser(herald.deps);
    for (let i = 0; i < 5; i++) {
      // A new address each time: this is the per-email limit.
      const res = await login({ email: user.email, password: `wrong password ${i}` }, freshIp());
      expect(res.statusCode).toBe(401);
      clock.advance(MINUTE);
    }
    const attemptsBefore = await herald.deps.db.select().from(loginAttempts);
    const blocked = await login({ email: user.email.toUpperCase(), password: user.password }, freshIp());
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('rate_limited');
    // The first failure was 5 minutes ago; it leaves the 15-minute window in 10.
    expect(blocked.headers['retry-after']).toBe(String(10 * 60));
    expect(blocked.cookies).toHaveLength(0);
    // A refused attempt is not checked, so it is not recorded either.
    expect(await herald.deps.db.select().from(loginAttempts)).toHaveLength(attemptsBefore.length);

    clock.advance(10 * MINUTE - 1000);
    const stillBlocked = await login({ email: user.email, password: user.password }, freshIp());
    expect(stillBlocked.statusCode).toBe(429);
    expect(stillBlocked.headers['retry-after']).toBe('1');

    clock.advance(1000);
    const allowed = await login({ email: user.email, password: user.password }, freshIp());
    expect(allowed.statusCode, allowed.body).toBe(200);
  });

  it('throttles an IP after 5 failures across any emails', async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i++) {
      const res = await login({ email: `sprayed-${i}@example.test`, password: 'guess guess guess' }, ip);
      expect(res.statusCode).toBe(401);
    }
    const user = await newUser(herald.deps);
    const fromThatIp = await login({ email: user.email, password: user.password }, ip);
    expect(fromThatIp.statusCode).toBe(429);
    expect(fromThatIp.headers['retry-after']).toBe(String(15 * 60));
    const fromElsewhere = await login({ email: user.email, password: user.password }, freshIp());
    expect(fromElsewhere.statusCode).toBe(200);
    clock.advance(15 * MINUTE);
  });

  it('restarts the per-email count after a successful login', async () => {
    const user = await newUser(herald.deps);
    const fail = async () => {
      clock.advance(1000);
      expect((await login({ email: user.email, password: 'wrong wrong wrong' }, freshIp())).statusCode).toBe(
        401,
      );
    };
    for (let i = 0; i < 4; i++) await fail();
    clock.advance(1000);
    expect((await login({ email: user.email, password: user.password }, freshIp())).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) await fail();
    clock.advance(1000);
    expect((await login({ email: user.email, password: user.password }, freshIp())).statusCode).toBe(200);
  });

  it('rejects invalid login bodies with 400 naming the field', async () => {
    const ip = freshIp();
    const noEmail = await login({ password: 'whatever whatever' }, ip);
    expect(noEmail.statusCode).toBe(400);
    expect(noEmail.json().error.message).toContain('body.email');
    const badEmail = await login({ email: 'nope', password: 'whatever whatever' }, ip);
    expect(badEmail.json().error.message).toContain('body.email');
    const noPassword = await login({ email: 'a@example.test' }, ip);
    expect(noPassword.statusCode).toBe(400);
    expect(noPassword.json().error.message).toContain('body.password');
    const hugePassword = await login({ email: 'a@example.test', password: 'x'.repeat(257) }, ip);
    expect(hugePassword.json().error.message).toContain('body.password');
  });

  describe('a session', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await newUser(herald.deps);
    });

    it('expires after 30 days', async () => {
      const session = await signIn(herald, user);
      const me = () =>
        herald.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: session.cookie } });
      expect((await me()).statusCode).toBe(200);
      clock.advance(30 * DAY + 1000);
      expect((await me()).statusCode).toBe(401);
    });

    it('logs out: 204, the session row is gone, the cookie is cleared and no longer works', async () => {
      const session = await signIn(herald, user);
      const sessionId = sha256(session.cookie.split('=')[1]!);

      const withoutCsrf = await herald.app.inject({
        method: 'POST',
        url: '/api/auth/logout',
        headers: { cookie: session.cookie },
      });
      expect(withoutCsrf.statusCode).toBe(403);

      const res = await herald.app.inject({
        method: 'POST',
        url: '/api/auth/logout',
        headers: session.headers,
      });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      const cleared = res.cookies.find((c) => c.name === SESSION_COOKIE);
      expect(cleared?.value).toBe('');
      expect(cleared?.expires?.getTime()).toBeLessThan(Date.now());
      expect(await herald.deps.db.select().from(sessions).where(eq(sessions.id, sessionId))).toHaveLength(0);

      const me = await herald.app.inject({
        method: 'GET',
        url: '/api/me',
        headers: { cookie: session.cookie },
      });
      expect(me.statusCode).toBe(401);
      // Logging out again (no session) is harmless.
      const again = await herald.app.inject({ method: 'POST', url: '/api/auth/logout' });
      expect(again.statusCode).toBe(204);
    });

    it('keeps other sessions of the same user when one logs out', async () => {
      const first = await signIn(herald, user);
      const second = await signIn(herald, user);
      await herald.app.inject({ method: 'POST', url: '/api/auth/logout', headers: first.headers });
      const me = await herald.app.inject({
        method: 'GET',
        url: '/api/me',
        headers: { cookie: second.cookie },
      });
      expect(me.statusCode).toBe(200);
    });
  });
});
