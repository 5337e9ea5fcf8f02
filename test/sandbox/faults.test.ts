import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxAdapter } from '../../src/platforms/sandbox/index.ts';
import type { AdapterContext, Credentials } from '../../src/platforms/types.ts';
import {
  type Client,
  connect,
  contextFor,
  publishRequest,
  registerClient,
  type Sandbox,
  setKnobs,
  startSandbox,
  thrown,
} from './support.ts';

describe('sandbox fault knobs', () => {
  let sandbox: Sandbox;
  let base: string;
  let client: Client;
  let ctx: AdapterContext;
  let credentials: Credentials;
  beforeAll(async () => {
    sandbox = await startSandbox();
    base = sandbox.base;
    client = await registerClient(base);
    ctx = contextFor(base, client);
    ({ credentials } = await connect(base, client, 'faulty'));
  });
  afterAll(async () => sandbox?.close());

  it('merges knobs, removes them with null, and reads them back', async () => {
    await setKnobs(base, 'faulty', { latencyMs: 5, rateLimit: { limit: 500, windowSeconds: 60 } });
    expect(await setKnobs(base, 'faulty', { latencyMs: null, retryAfterSeconds: 1 })).toMatchObject({
      knobs: { rateLimit: { limit: 500, windowSeconds: 60 }, retryAfterSeconds: 1 },
    });
    const read = await (await fetch(`${base}/admin/accounts/faulty/knobs`)).json();
    expect(read).toEqual({ knobs: { rateLimit: { limit: 500, windowSeconds: 60 }, retryAfterSeconds: 1 } });
    const bad = await fetch(`${base}/admin/accounts/faulty/knobs`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failNext: { status: 418, count: 1 } }),
    });
    expect(bad.status).toBe(422);
    expect((await fetch(`${base}/admin/accounts/nobody/knobs`)).status).toBe(404);
  });

  it('fails the next N calls with 503 (transient), then recovers', async () => {
    await setKnobs(base, 'faulty', { failNext: { status: 503, count: 2 } });
    const request = publishRequest();
    for (let i = 0; i < 2; i++) {
      const error = await thrown(() => sandboxAdapter.publish(ctx, credentials, request));
      expect(error).toMatchObject({ kind: 'transient', status: 503, code: 'unavailable' });
    }
    await expect(sandboxAdapter.publish(ctx, credentials, request)).resolves.toMatchObject({
      status: 'published',
    });
  });

  it('injects 500 (transient), 429 with Retry-After (rate_limited) and 401 (auth)', async () => {
    await setKnobs(base, 'faulty', { failNext: { status: 500, count: 1 } });
    expect(await thrown(() => sandboxAdapter.publish(ctx, credentials, publishRequest()))).toMatchObject({
      kind: 'transient',
      status: 500,
    });
    await setKnobs(base, 'faulty', { failNext: { status: 429, count: 1 }, retryAfterSeconds: 7 });
    const started = Date.now();
    const limited = await thrown(() => sandboxAdapter.publish(ctx, credentials, publishRequest()));
    expect(limited).toMatchObject({ kind: 'rate_limited', status: 429, rateLimit: { bucket: 'posts' } });
    const wait = (limited as { retryAfter: Date }).retryAfter.getTime() - started;
    expect(wait).toBeGreaterThanOrEqual(6_900);
    expect(wait).toBeLessThan(9_000);
    await setKnobs(base, 'faulty', { failNext: { status: 401, count: 1 } });
    expect(
      await thrown(() => sandboxAdapter.readMetrics(ctx, credentials, crypto.randomUUID())),
    ).toMatchObject({
      kind: 'auth',
      status: 401,
    });
  });

  it('hangs on timeoutNext until the client aborts: transient', async () => {
    await setKnobs(base, 'faulty', { timeoutNext: 1 });
    const started = Date.now();
    const error = await thrown(() =>
      sandboxAdapter.publish(
        contextFor(base, client, AbortSignal.timeout(300)),
        credentials,
        publishRequest(),
      ),
    );
    expect(error).toMatchObject({ kind: 'transient' });
    expect((error as Error).message).toContain('aborted or timed out');
    expect(Date.now() - started).toBeLessThan(5_000);
    // Only one call hangs.
    await expect(sandboxAdapter.publish(ctx, credentials, publishRequest())).resolves.toMatchObject({
      status: 'published',
    });
  });

  it('stores the post before a slow answer (latencyAfterCommitMs): reconcile finds it after the abort', async () => {
    await setKnobs(base, 'faulty', { latencyAfterCommitMs: 1_500 });
    const request = publishRequest();
    const error = await thrown(() =>
      sandboxAdapter.publish(contextFor(base, client, AbortSignal.timeout(400)), credentials, request),
    );
    expect(error).toMatchObject({ kind: 'transient' });
    await setKnobs(base, 'faulty', { latencyAfterCommitMs: null });
    const found = await sandboxAdapter.reconcile(ctx, credentials, request);
    expect(found).toMatchObject({ status: 'found' });
    // A retry replays rather than duplicating.
    const retried = await sandboxAdapter.publish(ctx, credentials, request);
    expect(retried).toMatchObject({ remoteId: (found as { remoteId: string }).remoteId });
  });

  it('delays every call by latencyMs', async () => {
    await setKnobs(base, 'faulty', { latencyMs: 250 });
    const started = Date.now();
    await sandboxAdapter.profile(ctx, credentials);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    await setKnobs(base, 'faulty', { latencyMs: null });
  });

  it('maps an unreachable sandbox to transient without leaking the token', async () => {
    const nowhere = contextFor('http://127.0.0.1:9/sandbox', client);
    const error = await thrown(() => sandboxAdapter.publish(nowhere, credentials, publishRequest()));
    expect(error).toMatchObject({ kind: 'transient', status: null });
    expect((error as Error).message).toMatch(/network error/);
    expect((error as Error).message).not.toContain(credentials.accessToken);
  });
});
