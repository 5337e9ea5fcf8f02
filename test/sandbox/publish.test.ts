import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxAdapter } from '../../src/platforms/sandbox/index.ts';
import type { AdapterContext, Credentials } from '../../src/platforms/types.ts';
import {
  type Client,
  connect,
  contextFor,
  mediaItem,
  PNG,
  publishRequest,
  registerClient,
  type Sandbox,
  setKnobs,
  startSandbox,
  thrown,
} from './support.ts';

describe('sandbox adapter: publishing', () => {
  let sandbox: Sandbox;
  let base: string;
  let client: Client;
  let ctx: AdapterContext;
  let credentials: Credentials;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${credentials.accessToken}`, ...init.headers },
    });

  beforeAll(async () => {
    sandbox = await startSandbox();
    base = sandbox.base;
    client = await registerClient(base);
    ctx = contextFor(base, client);
    // Tests here move the clock by days; keep this account's token alive through them.
    await fetch(`${base}/admin/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'publisher', display_name: 'Publisher' }),
    });
    await setKnobs(base, 'publisher', { accessTokenTtlSeconds: 30 * 24 * 3600 });
    ({ credentials } = await connect(base, client, 'publisher'));
  });
  afterAll(async () => sandbox?.close());

  it('publishes text and an image with alt text, once per idempotency key', async () => {
    const request = publishRequest({ media: [mediaItem({ altText: 'A single <red> pixel' })] });
    const first = await sandboxAdapter.publish(ctx, credentials, request);
    expect(first).toMatchObject({
      status: 'published',
      remoteUrl: `${base}/@publisher/posts/${(first as { remoteId: string }).remoteId}`,
    });
    const again = await sandboxAdapter.publish(ctx, credentials, request);
    expect(again).toMatchObject({ status: 'published', remoteId: (first as { remoteId: string }).remoteId });

    const listed = await (
      await api(`/api/posts?idempotency_key=${encodeURIComponent(request.idempotencyKey)}`)
    ).json();
    expect(listed.posts).toHaveLength(1);
    const [post] = listed.posts;
    expect(post.text).toBe(request.text);
    expect(post.media).toEqual([
      expect.objectContaining({ mime_type: 'image/png', alt_text: 'A single <red> pixel' }),
    ]);
    const image = await fetch(post.media[0].url);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer())).toEqual(PNG);
  });

  it('replays the same key with 200 and Idempotent-Replayed, even when sent concurrently', async () => {
    const send = () =>
      api('/api/posts', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'race-key' },
        body: JSON.stringify({ text: 'racing' }),
      });
    const replies = await Promise.all([send(), send(), send(), send()]);
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 201]);
    const ids = new Set(await Promise.all(replies.map(async (r) => (await r.json()).id)));
    expect(ids.size).toBe(1);
    const replayed = replies.filter((r) => r.headers.get('idempotent-replayed') === 'true');
    expect(replayed).toHaveLength(3);
  });

  it('publishes threads as replies with derived keys, idempotently', async () => {
    const request = publishRequest({ options: { thread: ['second part', 'third part'] } });
    const outcome = await sandboxAdapter.publish(ctx, credentials, request);
    const rootId = (outcome as { remoteId: string }).remoteId;
    await sandboxAdapter.publish(ctx, credentials, request);
    const second = (await (await api(`/api/posts?idempotency_key=${request.idempotencyKey}:1`)).json()).posts;
    const third = (await (await api(`/api/posts?idempotency_key=${request.idempotencyKey}:2`)).json()).posts;
    expect(second).toHaveLength(1);
    expect(third).toHaveLength(1);
    expect(second[0].reply_to_id).toBe(rootId);
    expect(third[0].reply_to_id).toBe(second[0].id);
    expect(outcome).toMatchObject({ partIds: [second[0].id, third[0].id] });
    expect(await sandboxAdapter.reconcile(ctx, credentials, request)).toMatchObject({
      status: 'found',
      remoteId: rootId,
      partIds: [second[0].id, third[0].id],
    });
  });

  it('reconciles: found after publishing, not_found before, not_found for a thread cut short', async () => {
    const request = publishRequest();
    expect(await sandboxAdapter.reconcile(ctx, credentials, request)).toEqual({ status: 'not_found' });
    const outcome = await sandboxAdapter.publish(ctx, credentials, request);
    expect(await sandboxAdapter.reconcile(ctx, credentials, request)).toEqual({
      status: 'found',
      remoteId: (outcome as { remoteId: string }).remoteId,
      remoteUrl: (outcome as { remoteUrl: string }).remoteUrl,
    });
    const thread = { ...request, options: { thread: ['never posted'] } };
    expect(await sandboxAdapter.reconcile(ctx, credentials, thread)).toEqual({ status: 'not_found' });
  });

  it('maps a refused post to invalid, with the platform message', async () => {
    const tooLong = 'x'.repeat(501);
    // Past the adapter's own validation, straight at the platform.
    const res = await api('/api/posts', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: tooLong }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({
      error: { code: 'invalid_request', message: expect.stringContaining('at most 500'), field: 'text' },
    });
    const adapterError = await thrown(() =>
      sandboxAdapter.publish(ctx, { ...credentials }, publishRequest({ text: tooLong })),
    );
    expect(adapterError).toMatchObject({ kind: 'invalid' });

    const fiveMedia = await api('/api/posts', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'five media', media_ids: Array(5).fill(crypto.randomUUID()) }),
    });
    expect(fiveMedia.status).toBe(422);
    expect((await fiveMedia.json()).error.field).toBe('media_ids');
  });

  it('maps the same text within 24 hours to duplicate, but not after', async () => {
    const text = `Only once ${Date.now()}`;
    await sandboxAdapter.publish(ctx, credentials, publishRequest({ text }));
    const error = await thrown(() => sandboxAdapter.publish(ctx, credentials, publishRequest({ text })));
    expect(error).toMatchObject({ kind: 'duplicate', status: 409, code: 'duplicate' });
    sandbox.clock.advance(24 * 3600_000 + 1000);
    await expect(sandboxAdapter.publish(ctx, credentials, publishRequest({ text }))).resolves.toMatchObject({
      status: 'published',
    });
  });

  it('refuses unsupported and oversized media (415, 413) as invalid', async () => {
    const gif = await api('/api/media', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hi',
    });
    expect(gif.status).toBe(415);
    expect((await gif.json()).error.code).toBe('unsupported_media_type');
    const big = await api('/api/media', {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: new Uint8Array(8 * 1024 * 1024 + 1),
    });
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe('payload_too_large');
    // The adapter's validation catches both before any upload.
    const error = await thrown(() =>
      sandboxAdapter.publish(
        ctx,
        credentials,
        publishRequest({ media: [mediaItem({ mimeType: 'application/pdf', kind: 'document' })] }),
      ),
    );
    expect(error).toMatchObject({ kind: 'invalid', status: null });
  });

  it('deletes posts (and treats an already deleted post as done)', async () => {
    const outcome = await sandboxAdapter.publish(ctx, credentials, publishRequest());
    const id = (outcome as { remoteId: string }).remoteId;
    await sandboxAdapter.deletePost(ctx, credentials, id);
    expect((await api(`/api/posts/${id}`)).status).toBe(404);
    await expect(sandboxAdapter.deletePost(ctx, credentials, id)).resolves.toBeUndefined();
  });

  it('reads metrics that grow with the post age', async () => {
    const outcome = await sandboxAdapter.publish(ctx, credentials, publishRequest());
    const id = (outcome as { remoteId: string }).remoteId;
    const at0 = await sandboxAdapter.readMetrics(ctx, credentials, id);
    expect(at0).toMatchObject({ likes: 0, comments: 0, shares: 0, impressions: 0 });
    sandbox.clock.advance(30 * 60_000);
    const at30 = await sandboxAdapter.readMetrics(ctx, credentials, id);
    sandbox.clock.advance(24 * 3600_000);
    const atDay = await sandboxAdapter.readMetrics(ctx, credentials, id);
    expect(at30.impressions).toBeGreaterThan(0);
    expect(atDay.impressions).toBeGreaterThan(at30.impressions!);
    expect(atDay.likes).toBeGreaterThan(at30.likes!);
    // Deterministic: asking again at the same moment gives the same numbers.
    expect(await sandboxAdapter.readMetrics(ctx, credentials, id)).toEqual(atDay);
    expect(
      await thrown(() => sandboxAdapter.readMetrics(ctx, credentials, crypto.randomUUID())),
    ).toMatchObject({
      kind: 'invalid',
      status: 404,
    });
  });

  it('reports the posting bucket and maps 429 to rate_limited with retryAfter', async () => {
    const { credentials: limited } = await connect(base, client, 'limited');
    await setKnobs(base, 'limited', { rateLimit: { limit: 2, windowSeconds: 60 } });
    const first = await sandboxAdapter.publish(ctx, limited, publishRequest());
    expect(first.rateLimit).toMatchObject({ bucket: 'posts', limit: 2, remaining: 1 });
    expect(first.rateLimit!.resetAt!.getTime()).toBeGreaterThan(sandbox.clock.now().getTime());
    const second = await sandboxAdapter.publish(ctx, limited, publishRequest());
    expect(second.rateLimit).toMatchObject({ limit: 2, remaining: 0 });

    const res = await fetch(`${base}/api/posts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${limited.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'one too many' }),
    });
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    expect((await res.json()).error.code).toBe('rate_limited');

    const started = Date.now();
    const error = await thrown(() => sandboxAdapter.publish(ctx, limited, publishRequest()));
    expect(error).toMatchObject({ kind: 'rate_limited', status: 429, rateLimit: { remaining: 0, limit: 2 } });
    const wait = (error as { retryAfter: Date }).retryAfter.getTime() - started;
    expect(wait).toBeGreaterThanOrEqual(900);
    expect(wait).toBeLessThanOrEqual(61_000);

    // Reads carry the headers too, and the next window opens the bucket again.
    const read = await fetch(`${base}/api/me`, {
      headers: { authorization: `Bearer ${limited.accessToken}` },
    });
    expect(read.headers.get('x-ratelimit-limit')).toBe('2');
    sandbox.clock.advance(60_000);
    await expect(sandboxAdapter.publish(ctx, limited, publishRequest())).resolves.toMatchObject({
      rateLimit: { remaining: 1 },
    });
  });

  describe('reading comments', () => {
    let replier: Credentials;
    /** Posts `text` as `as` in reply to `replyToId` through the sandbox's API, `seconds` from now. */
    async function replyTo(replyToId: string, text: string, as: Credentials, seconds = 1) {
      sandbox.clock.advance(seconds * 1000);
      const res = await fetch(`${base}/api/posts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${as.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text, reply_to_id: replyToId }),
      });
      if (res.status !== 201) throw new Error(`reply answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    }
    const read = (remoteId: string, cursor: string | null, as = credentials) =>
      sandboxAdapter.readComments!(ctx, as, remoteId, { cursor, limit: 2 });

    beforeAll(async () => {
      await fetch(`${base}/admin/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'replier', display_name: 'Rita Replier' }),
      });
      ({ credentials: replier } = await connect(base, client, 'replier'));
    });

    it('reads every reply under a post, oldest first, across pages, with parents', async () => {
      const outcome = await sandboxAdapter.publish(ctx, credentials, publishRequest());
      const post = (outcome as { remoteId: string }).remoteId;
      const first = await replyTo(post, 'First!', replier);
      // Two replies at the same instant: the page boundary falls between them.
      const tied = [await replyTo(post, 'tie one', replier), await replyTo(post, 'tie two', credentials, 0)];
      const [second, third] = [...tied].sort();
      const nested = await replyTo(second!, 'nested under the first of the tie', replier);
      const own = await replyTo(first, 'the author answers', credentials);
      await sandboxAdapter.publish(ctx, credentials, publishRequest()).then(async (other) => {
        await replyTo((other as { remoteId: string }).remoteId, 'elsewhere', replier);
      });

      const pages = [await read(post, null)];
      while (pages.at(-1)!.nextCursor) pages.push(await read(post, pages.at(-1)!.nextCursor));
      expect(pages.map((p) => p.comments.length)).toEqual([2, 2, 1]);
      const comments = pages.flatMap((p) => p.comments);
      expect(comments.map((c) => [c.id, c.parentId])).toEqual([
        [first, null],
        [second, null],
        [third, null],
        [nested, second],
        [own, first],
      ]);
      expect(comments[0]).toEqual({
        id: first,
        parentId: null,
        author: {
          id: expect.any(String),
          username: 'replier',
          displayName: 'Rita Replier',
          avatarUrl: `${base}/avatars/replier.svg`,
        },
        text: 'First!',
        createdAt: expect.any(Date),
        likes: 0,
        url: `${base}/@replier/posts/${first}`,
      });
      expect(comments[4]!.author.username).toBe('publisher');
      // Comments are public: the replier reads the publisher's post's comments too.
      expect((await read(post, null, replier)).comments.map((c) => c.id)).toEqual([first, second]);

      // A deleted reply goes, with what hangs under it.
      await sandboxAdapter.deletePost(ctx, second === tied[0] ? replier : credentials, second!);
      const after = await sandboxAdapter.readComments!(ctx, credentials, post, { cursor: null, limit: 10 });
      expect(after.comments.map((c) => c.id)).toEqual([first, third, own]);
    });

    it('answers an empty page for a post without replies; an unknown post or cursor is invalid', async () => {
      const outcome = await sandboxAdapter.publish(ctx, credentials, publishRequest());
      const post = (outcome as { remoteId: string }).remoteId;
      expect(await read(post, null)).toEqual({ comments: [], nextCursor: null });
      expect(await thrown(() => read(crypto.randomUUID(), null))).toMatchObject({
        kind: 'invalid',
        status: 404,
      });
      expect(await thrown(() => read(post, 'bm90LWEtY3Vyc29y'))).toMatchObject({
        kind: 'invalid',
        status: 422,
      });
    });

    it('maps an expired token to auth and a 429 to rate_limited', async () => {
      const outcome = await sandboxAdapter.publish(ctx, credentials, publishRequest());
      const post = (outcome as { remoteId: string }).remoteId;
      await setKnobs(base, 'replier', { failNext: { status: 429, count: 1 }, retryAfterSeconds: 5 });
      expect(await thrown(() => read(post, null, replier))).toMatchObject({
        kind: 'rate_limited',
        status: 429,
      });
      await setKnobs(base, 'replier', { expireTokens: true });
      expect(await thrown(() => read(post, null, replier))).toMatchObject({ kind: 'auth', status: 401 });
      expect(sandboxAdapter.capabilities.comments).toBe(true);
    });
  });
});
