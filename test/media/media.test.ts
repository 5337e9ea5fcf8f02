import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channels, connections, media, postMedia, posts, postTargets } from '../../src/db/schema.ts';
import { publicMediaRoutes, publicMediaUrl } from '../../src/http/public-media.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { jpeg, type Member, multipart, newMember, png } from './support.ts';

describe('media', () => {
  let herald: TestHerald;
  let admin: Member;

  beforeAll(async () => {
    herald = await startHerald();
    // Until src/http/app.ts registers the public media routes itself.
    if (!herald.app.hasRoute({ method: 'GET', url: '/media/:id/:signature' })) {
      await herald.app.register(publicMediaRoutes(herald.deps));
    }
    admin = await newMember(herald);
  });
  afterAll(async () => herald?.close());

  const base = (m: Member) => `/api/workspaces/${m.workspaceId}/media`;

  async function upload(
    m: Member,
    file: { data: Uint8Array; filename?: string; contentType?: string },
    altText?: string,
  ) {
    const form = multipart([
      ...(altText === undefined ? [] : [{ name: 'altText', value: altText }]),
      {
        name: 'file',
        filename: file.filename ?? 'image.png',
        contentType: file.contentType ?? 'image/png',
        data: file.data,
      },
    ]);
    return herald.app.inject({
      method: 'POST',
      url: base(m),
      payload: form.payload,
      headers: { ...m.headers, ...form.headers },
    });
  }

  it('uploads a PNG, measuring it from its header', async () => {
    const data = png(3, 2);
    const res = await upload(admin, { data, filename: 'dot.png' }, 'A red dot');
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      kind: 'image',
      mimeType: 'image/png',
      sizeBytes: data.length,
      width: 3,
      height: 2,
      durationSeconds: null,
      altText: 'A red dot',
      originalName: 'dot.png',
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(new Date(body.createdAt).getTime()).not.toBeNaN();
    expect(body.url).toContain(`/api/workspaces/${admin.workspaceId}/media/${body.id}/content`);

    const content = await herald.app.inject({
      method: 'GET',
      url: `${base(admin)}/${body.id}/content`,
      headers: admin.headers,
    });
    expect(content.statusCode).toBe(200);
    expect(content.headers['content-type']).toBe('image/png');
    expect(content.headers['x-content-type-options']).toBe('nosniff');
    expect(Buffer.compare(content.rawPayload, data)).toBe(0);
  });

  it('uploads a JPEG whatever it is called and declared as, with the alt text after the file', async () => {
    const form = multipart([
      { name: 'file', filename: 'photo.gif', contentType: 'application/octet-stream', data: jpeg(5, 3) },
      { name: 'altText', value: 'grey' },
    ]);
    const res = await herald.app.inject({
      method: 'POST',
      url: base(admin),
      payload: form.payload,
      headers: { ...admin.headers, ...form.headers },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      kind: 'image',
      mimeType: 'image/jpeg',
      width: 5,
      height: 3,
      altText: 'grey',
    });
  });

  it('refuses a text file renamed x.png with 415 naming what it is', async () => {
    const res = await upload(admin, {
      data: Buffer.from('hello, I am text\n'.repeat(20)),
      filename: 'x.png',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('unsupported_media_type');
    expect(res.json().error.message).toContain('unrecognised');
    const pdf = await upload(admin, {
      data: Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n'),
      filename: 'x.png',
    });
    expect(pdf.statusCode).toBe(415);
    expect(pdf.json().error.message).toContain('application/pdf');
  });

  it('requires a multipart body with a file part', async () => {
    const json = await herald.app.inject({
      method: 'POST',
      url: base(admin),
      payload: { url: 'x' },
      headers: admin.headers,
    });
    expect(json.statusCode).toBe(415);
    const form = multipart([{ name: 'altText', value: 'nothing attached' }]);
    const empty = await herald.app.inject({
      method: 'POST',
      url: base(admin),
      payload: form.payload,
      headers: { ...admin.headers, ...form.headers },
    });
    expect(empty.statusCode).toBe(422);
    expect(empty.json().error.message).toMatch(/^file:/);
  });

  it('stores identical content once per workspace but keeps separate items', async () => {
    const data = png(4, 4, 77);
    const a = (await upload(admin, { data }, 'first')).json();
    const b = (await upload(admin, { data }, 'second')).json();
    expect(a.id).not.toBe(b.id);
    expect(a.sha256).toBe(b.sha256);
    // Deleting one keeps the bytes the other needs.
    expect(
      (await herald.app.inject({ method: 'DELETE', url: `${base(admin)}/${a.id}`, headers: admin.headers }))
        .statusCode,
    ).toBe(204);
    const content = await herald.app.inject({
      method: 'GET',
      url: `${base(admin)}/${b.id}/content`,
      headers: admin.headers,
    });
    expect(content.statusCode).toBe(200);
    expect(
      (await herald.app.inject({ method: 'DELETE', url: `${base(admin)}/${b.id}`, headers: admin.headers }))
        .statusCode,
    ).toBe(204);
    await expect(herald.deps.storage.get(`${admin.workspaceId}/${b.sha256}`)).rejects.toThrow();
  });

  it('changes and clears alt text', async () => {
    const item = (await upload(admin, { data: png(1, 1) })).json();
    expect(item.altText).toBeNull();
    const url = `${base(admin)}/${item.id}`;
    const patched = await herald.app.inject({
      method: 'PATCH',
      url,
      payload: { altText: '  A tiny square ' },
      headers: admin.headers,
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().altText).toBe('A tiny square');
    expect((await herald.app.inject({ method: 'GET', url, headers: admin.headers })).json().altText).toBe(
      'A tiny square',
    );
    const cleared = await herald.app.inject({
      method: 'PATCH',
      url,
      payload: { altText: null },
      headers: admin.headers,
    });
    expect(cleared.json().altText).toBeNull();
    const tooLong = await herald.app.inject({
      method: 'PATCH',
      url,
      payload: { altText: 'x'.repeat(5001) },
      headers: admin.headers,
    });
    expect(tooLong.statusCode).toBe(400);
  });

  it('paginates the list newest first with a cursor', async () => {
    const member = await newMember(herald);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await upload(member, { data: png(2, 2, i) })).json().id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const res = await herald.app.inject({
        method: 'GET',
        url: `${base(member)}${query}`,
        headers: member.headers,
      });
      expect(res.statusCode).toBe(200);
      const page = res.json();
      seen.push(...page.items.map((i: { id: string }) => i.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
    const bad = await herald.app.inject({
      method: 'GET',
      url: `${base(member)}?cursor=nonsense`,
      headers: member.headers,
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.message).toMatch(/^cursor:/);
  });

  it('keeps rows created in the same millisecond apart across pages', async () => {
    const member = await newMember(herald);
    const at = new Date('2030-01-01T00:00:00.000Z');
    const rows = await herald.deps.db
      .insert(media)
      .values(
        [0, 1, 2, 3].map((i) => ({
          workspaceId: member.workspaceId,
          kind: 'image' as const,
          mimeType: 'image/png',
          sizeBytes: 1,
          sha256: `${i}`.padStart(64, '0'),
          storageKey: `${member.workspaceId}/${i}`,
          // Microseconds apart: the same JavaScript millisecond.
          createdAt: new Date(at.getTime()),
        })),
      )
      .returning({ id: media.id });
    await herald.deps.db.execute(
      `update media set created_at = created_at + (random() * interval '900 microseconds') where workspace_id = '${member.workspaceId}'`,
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=1&cursor=${cursor}` : '?limit=1';
      const page = (
        await herald.app.inject({ method: 'GET', url: `${base(member)}${query}`, headers: member.headers })
      ).json();
      seen.push(...page.items.map((i: { id: string }) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(rows.map((r) => r.id).sort());
  });

  it('answers 404 for another workspace’s media, whatever the route', async () => {
    const item = (await upload(admin, { data: png(1, 2) })).json();
    const stranger = await newMember(herald);
    const url = `${base(stranger)}/${item.id}`;
    for (const [method, path] of [
      ['GET', url],
      ['GET', `${url}/content`],
      ['PATCH', url],
      ['DELETE', url],
    ] as const) {
      const res = await herald.app.inject({
        method,
        url: path,
        headers: stranger.headers,
        ...(method === 'PATCH' ? { payload: { altText: 'mine now' } } : {}),
      });
      expect(res.statusCode, `${method} ${path}`).toBe(404);
    }
    // And a non-member asking for the owner's workspace is told it does not exist.
    const res = await herald.app.inject({
      method: 'GET',
      url: `${base(admin)}/${item.id}`,
      headers: stranger.headers,
    });
    expect(res.statusCode).toBe(404);
  });

  it('lets a viewer read but not upload, edit or delete', async () => {
    const item = (await upload(admin, { data: png(2, 1) })).json();
    const viewer = await newMember(herald, { role: 'viewer', workspaceId: admin.workspaceId });
    const up = await upload(viewer, { data: png(1, 1) });
    expect(up.statusCode).toBe(403);
    const url = `${base(admin)}/${item.id}`;
    expect((await herald.app.inject({ method: 'GET', url, headers: viewer.headers })).statusCode).toBe(200);
    expect(
      (await herald.app.inject({ method: 'PATCH', url, payload: { altText: 'x' }, headers: viewer.headers }))
        .statusCode,
    ).toBe(403);
    expect((await herald.app.inject({ method: 'DELETE', url, headers: viewer.headers })).statusCode).toBe(
      403,
    );
    const fromUrl = await herald.app.inject({
      method: 'POST',
      url: `${base(admin)}/from-url`,
      payload: { url: 'https://example.com/a.png' },
      headers: viewer.headers,
    });
    expect(fromUrl.statusCode).toBe(403);
  });

  it('refuses to delete media a scheduled post uses, and allows it once the post is published', async () => {
    const item = (await upload(admin, { data: png(5, 5) })).json();
    const db = herald.deps.db;
    const [post] = await db
      .insert(posts)
      .values({
        workspaceId: admin.workspaceId,
        content: 'soon',
        status: 'scheduled',
        scheduledAt: new Date(Date.now() + 3600_000),
      })
      .returning();
    await db.insert(postMedia).values({ postId: post!.id, mediaId: item.id, position: 0 });
    const url = `${base(admin)}/${item.id}`;
    const refused = await herald.app.inject({ method: 'DELETE', url, headers: admin.headers });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'conflict', details: { postIds: [post!.id] } });
    expect((await herald.app.inject({ method: 'GET', url, headers: admin.headers })).statusCode).toBe(200);

    await db.update(posts).set({ status: 'published', publishedAt: new Date() });
    const deleted = await herald.app.inject({ method: 'DELETE', url, headers: admin.headers });
    expect(deleted.statusCode).toBe(204);
    expect((await herald.app.inject({ method: 'GET', url, headers: admin.headers })).statusCode).toBe(404);
  });

  it('refuses to delete media a pending target names in its media override', async () => {
    const item = (await upload(admin, { data: png(6, 5) })).json();
    const db = herald.deps.db;
    const [connection] = await db
      .insert(connections)
      .values({ workspaceId: admin.workspaceId, platform: 'sandbox', externalAccountId: 'acct-override' })
      .returning();
    const [channel] = await db
      .insert(channels)
      .values({
        workspaceId: admin.workspaceId,
        connectionId: connection!.id,
        platform: 'sandbox',
        externalId: 'c1',
        name: 'c1',
      })
      .returning();
    const [post] = await db
      .insert(posts)
      .values({ workspaceId: admin.workspaceId, content: 'draft' })
      .returning();
    await db.insert(postTargets).values({
      postId: post!.id,
      workspaceId: admin.workspaceId,
      channelId: channel!.id,
      platform: 'sandbox',
      status: 'scheduled',
      mediaOverride: [item.id],
      idempotencyKey: 'k-override',
    });
    const res = await herald.app.inject({
      method: 'DELETE',
      url: `${base(admin)}/${item.id}`,
      headers: admin.headers,
    });
    expect(res.statusCode).toBe(409);
  });

  it('serves media at a signed public URL without login, and nothing at a wrong signature', async () => {
    const data = png(7, 3, 9);
    const item = (await upload(admin, { data })).json();
    const url = new URL(publicMediaUrl(herald.deps, item.id));
    expect(url.pathname).toMatch(new RegExp(`^/media/${item.id}/[A-Za-z0-9_-]{43}$`));
    const res = await herald.app.inject({ method: 'GET', url: url.pathname });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(res.rawPayload, data)).toBe(0);

    const signature = url.pathname.split('/').pop()!;
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
    for (const path of [
      `/media/${item.id}/${flipped}`,
      `/media/${item.id}/short`,
      `/media/${admin.workspaceId}/${signature}`,
      `/media/not-a-uuid/${signature}`,
    ]) {
      const wrong = await herald.app.inject({ method: 'GET', url: path });
      expect(wrong.statusCode, path).toBe(404);
      expect(wrong.json().error.code).toBe('not_found');
    }
  });

  it('documents the media routes in the OpenAPI document', async () => {
    const doc = (await herald.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/api/workspaces/{workspaceId}/media',
      '/api/workspaces/{workspaceId}/media/{id}/content',
    ]) {
      expect(paths).toContain(p);
    }
    expect(doc.components.schemas.Media).toBeDefined();
  });

  describe('from a URL', () => {
    const importFrom = (url: string) =>
      herald.app.inject({
        method: 'POST',
        url: `${base(admin)}/from-url`,
        payload: { url },
        headers: admin.headers,
      });

    it.each([
      ['http://127.0.0.1:9/x.png', 'loopback'],
      ['http://localhost/x.png', 'loopback'],
      ['http://10.0.0.8/x.png', 'private'],
      ['http://192.168.1.20/x.png', 'private'],
      ['http://169.254.169.254/latest/meta-data/', 'link-local'],
      ['http://[::1]/x.png', 'loopback'],
      ['http://[fd12::1]/x.png', 'unique-local'],
      ['http://0.0.0.0/x.png', 'unspecified'],
    ])('refuses %s', async (url, reason) => {
      const res = await importFrom(url);
      expect(res.statusCode).toBe(422);
      expect(res.json().error.message).toMatch(/^url: refusing to fetch from /);
      expect(res.json().error.message).toContain(reason);
      expect(res.json().error.details.issues[0].path).toBe('url');
    });

    it.each([
      ['file:///etc/passwd', 'only http and https'],
      ['gopher://example.com/', 'only http and https'],
      ['not a url', 'not a valid URL'],
      ['http://no-such-host.invalid/x.png', 'could not resolve'],
    ])('refuses %s', async (url, message) => {
      const res = await importFrom(url);
      expect(res.statusCode).toBe(422);
      expect(res.json().error.message).toContain(message);
    });
  });
});
