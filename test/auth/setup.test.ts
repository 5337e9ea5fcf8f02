import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { auditLog, memberships, users, workspaces } from '../../src/db/schema.ts';
import { setupInstance } from '../../src/features/auth/setup-instance.ts';
import { SESSION_COOKIE } from '../../src/http/auth.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';

const setupBody = {
  email: ' Founder@Example.TEST ',
  password: 'a long enough password',
  name: 'Founder',
  workspaceName: 'Acme Social',
};

describe('first-run setup', () => {
  let herald: TestHerald | undefined;
  afterEach(async () => {
    await herald?.close();
    herald = undefined;
  });

  it('creates the instance admin and first workspace, logs them in, then refuses with 409', async () => {
    herald = await startHerald();
    const before = await herald.app.inject({ method: 'GET', url: '/api/setup' });
    expect(before.json()).toEqual({ needed: true });

    const res = await herald.app.inject({ method: 'POST', url: '/api/setup', payload: setupBody });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toEqual({
      user: { id: expect.any(String), email: 'founder@example.test', name: 'Founder', isInstanceAdmin: true },
      workspace: { id: expect.any(String), name: 'Acme Social', slug: 'acme-social', role: 'admin' },
      csrfToken: expect.any(String),
    });
    expect(res.cookies.find((c) => c.name === SESSION_COOKIE)?.httpOnly).toBe(true);

    const [membership] = await herald.deps.db
      .select()
      .from(memberships)
      .where(eq(memberships.userId, body.user.id));
    expect(membership).toMatchObject({ workspaceId: body.workspace.id, role: 'admin' });
    const audit = await herald.deps.db.select().from(auditLog).where(eq(auditLog.action, 'instance.setup'));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorUserId: body.user.id, workspaceId: body.workspace.id });

    // The cookie it set is a working session.
    const cookie = `${SESSION_COOKIE}=${res.cookies.find((c) => c.name === SESSION_COOKIE)!.value}`;
    const me = await herald.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
    expect(me.json().user.id).toBe(body.user.id);

    const after = await herald.app.inject({ method: 'GET', url: '/api/setup' });
    expect(after.json()).toEqual({ needed: false });
    const again = await herald.app.inject({
      method: 'POST',
      url: '/api/setup',
      payload: { ...setupBody, email: 'someone@example.test' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('conflict');
  });

  it('lets exactly one of several concurrent setups win', async () => {
    herald = await startHerald();
    const app = herald.app;
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        app.inject({
          method: 'POST',
          url: '/api/setup',
          payload: { ...setupBody, email: `racer${n}@example.test`, workspaceName: `Race ${n}` },
        }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
    expect(await herald.deps.db.select().from(users)).toHaveLength(1);
    expect(await herald.deps.db.select().from(workspaces)).toHaveLength(1);
  });

  it('also holds when the use-case is called directly at once (the CLI path)', async () => {
    herald = await startHerald();
    const deps = herald.deps;
    const outcomes = await Promise.allSettled(
      [1, 2].map((n) => setupInstance(deps, { ...setupBody, email: `cli${n}@example.test` })),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((o) => o.status === 'rejected');
    expect(rejected?.reason).toMatchObject({ code: 'conflict' });
  });

  it('validates the body, naming the field', async () => {
    herald = await startHerald();
    const cases: [Record<string, unknown>, string][] = [
      [{ ...setupBody, email: 'not-an-email' }, 'body.email'],
      [{ ...setupBody, password: 'short' }, 'body.password'],
      [{ ...setupBody, password: 'x'.repeat(257) }, 'body.password'],
      [{ ...setupBody, name: '' }, 'body.name'],
      [{ ...setupBody, workspaceName: '   ' }, 'body.workspaceName'],
      [{ email: setupBody.email, password: setupBody.password, name: 'x' }, 'body.workspaceName'],
    ];
    for (const [payload, field] of cases) {
      const res = await herald.app.inject({ method: 'POST', url: '/api/setup', payload });
      expect(res.statusCode, field).toBe(400);
      expect(res.json().error.message).toContain(field);
    }
    expect((await herald.app.inject({ method: 'GET', url: '/api/setup' })).json()).toEqual({ needed: true });
  });
});
