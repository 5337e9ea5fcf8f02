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

  it('accepts the same text again within 24 hours with allowDuplicates, one copy per call', async () => {
    const text = `Twice on purpose ${crypto.randomUUID()}`;
    await setKnobs(base, 'faulty', { allowDuplicates: true });
    const first = await sandboxAdapter.publish(ctx, credentials, publishRequest({ text }));
    const second = await sandboxAdapter.publish(ctx, credentials, publishRequest({ text }));
    expect(first).toMatchObject({ status: 'published' });
    expect(second).toMatchObject({ status: 'published' });
    expect((second as { remoteId: string }).remoteId).not.toBe((first as { remoteId: string }).remoteId);
    // The same idempotency key still replays rather than storing a second copy.
    const request = publishRequest({ text });
    const once = await sandboxAdapter.publish(ctx, credentials, request);
    const again = await sandboxAdapter.publish(ctx, credentials, request);
    expect((again as { remoteId: string }).remoteId).toBe((once as { remoteId: string }).remoteId);
    // Off again, the rule is back.
    await setKnobs(base, 'faulty', { allowDuplicates: null });
    expect(
      await thrown(() => sandboxAdapter.publish(ctx, credentials, publishRequest({ text }))),
    ).toMatchObject({ kind: 'duplicate', status: 409 });
  });

  it('revokes every token of the account with revokeTokens: calls and refreshes are refused', async () => {
    const revokedClient = await registerClient(base);
    const revokedCtx = contextFor(base, revokedClient);
    const { credentials: revoked } = await connect(base, revokedClient, 'revoked');
    expect(await setKnobs(base, 'revoked', { revokeTokens: true })).toMatchObject({ revoked_tokens: 2 });
    expect(await thrown(() => sandboxAdapter.profile(revokedCtx, revoked))).toMatchObject({
      kind: 'auth',
      status: 401,
    });
    const refused = await thrown(() => sandboxAdapter.refresh(revokedCtx, revoked));
    expect(refused).toMatchObject({ kind: 'auth' });
  });

  it('draws random faults at the configured rates: 5xx, 429 with Retry-After, and a hang', async () => {
    await setKnobs(base, 'faulty', { randomFaults: { serverError: 1 } });
    const broken = await thrown(() => sandboxAdapter.publish(ctx, credentials, publishRequest()));
    expect(broken).toMatchObject({ kind: 'transient' });
    expect([500, 503]).toContain((broken as { status: number }).status);
    expect((broken as Error).message).toContain('randomFaults');

    await setKnobs(base, 'faulty', { randomFaults: { rateLimited: 1 }, retryAfterSeconds: 3 });
    const started = Date.now();
    const limited = await thrown(() => sandboxAdapter.publish(ctx, credentials, publishRequest()));
    expect(limited).toMatchObject({ kind: 'rate_limited', status: 429 });
    expect((limited as { retryAfter: Date }).retryAfter.getTime() - started).toBeGreaterThanOrEqual(2_900);

    // A hang on `POST /api/posts` comes after the post is stored: the reconcile finds it.
    await setKnobs(base, 'faulty', { randomFaults: { timeout: 1 }, retryAfterSeconds: null });
    const request = publishRequest();
    const hung = await thrown(() =>
      sandboxAdapter.publish(contextFor(base, client, AbortSignal.timeout(300)), credentials, request),
    );
    expect(hung).toMatchObject({ kind: 'transient' });
    // Any other call hangs before it is handled.
    expect(
      await thrown(() =>
        sandboxAdapter.reconcile(contextFor(base, client, AbortSignal.timeout(300)), credentials, request),
      ),
    ).toMatchObject({ kind: 'transient' });
    await setKnobs(base, 'faulty', { randomFaults: { serverError: 0, rateLimited: 0, timeout: 0 } });
    await expect(sandboxAdapter.reconcile(ctx, credentials, request)).resolves.toMatchObject({
      status: 'found',
    });
    await setKnobs(base, 'faulty', { randomFaults: null });

    const tooMuch = await fetch(`${base}/admin/accounts/faulty/knobs`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ randomFaults: { serverError: 0.6, rateLimited: 0.5 } }),
    });
    expect(tooMuch.status).toBe(422);
    expect(await tooMuch.json()).toMatchObject({ error: { field: 'randomFaults' } });
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
