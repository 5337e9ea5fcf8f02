import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxAdapter } from '../../src/platforms/sandbox/index.ts';
import type { AdapterContext, Credentials } from '../../src/platforms/types.ts';
import {
  connect,
  contextFor,
  mediaItem,
  publishRequest,
  registerClient,
  type Sandbox,
  startSandbox,
} from './support.ts';

describe('sandbox pages', () => {
  let sandbox: Sandbox;
  let base: string;
  let ctx: AdapterContext;
  let credentials: Credentials;
  beforeAll(async () => {
    sandbox = await startSandbox();
    base = sandbox.base;
    const client = await registerClient(base);
    ctx = contextFor(base, client);
    ({ credentials } = await connect(base, client, 'writer'));
  });
  afterAll(async () => sandbox?.close());

  const page = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, headers: res.headers, html: await res.text() };
  };

  it('lists accounts with links to their feeds', async () => {
    await fetch(`${base}/admin/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'other', display_name: '<b>Other</b> & co' }),
    });
    const { status, headers, html } = await page('/');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^text\/html/);
    expect(html).toContain('href="/sandbox/@writer"');
    expect(html).toContain('&lt;b&gt;Other&lt;/b&gt; &amp; co (@other)');
    expect(html).not.toContain('<b>Other</b>');
  });

  it('shows posts newest first with images and alt text, escaping all user text, hiding deleted posts', async () => {
    const older = await sandboxAdapter.publish(
      ctx,
      credentials,
      publishRequest({
        text: 'Look <script>alert("x")</script> & "quotes"',
        media: [mediaItem({ altText: 'A "pixel" <img onerror=x>' })],
      }),
    );
    sandbox.clock.advance(60_000);
    const newer = await sandboxAdapter.publish(ctx, credentials, publishRequest({ text: 'The newer post' }));
    const gone = await sandboxAdapter.publish(ctx, credentials, publishRequest({ text: 'Deleted soon' }));
    await sandboxAdapter.deletePost(ctx, credentials, (gone as { remoteId: string }).remoteId);

    const { status, html } = await page('/@writer');
    expect(status).toBe(200);
    expect(html).toContain('Look &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;');
    expect(html).not.toContain('<script>');
    expect(html).toMatch(
      /<img src="\/sandbox\/media\/[0-9a-f-]{36}" alt="A &quot;pixel&quot; &lt;img onerror=x&gt;"/,
    );
    expect(html).not.toContain('Deleted soon');
    expect(html.indexOf('The newer post')).toBeLessThan(html.indexOf('Look &lt;script'));
    expect(html).toContain('<time datetime="2030-01-01T12:');

    const single = await page(`/@writer/posts/${(newer as { remoteId: string }).remoteId}`);
    expect(single.status).toBe(200);
    expect(single.html).toContain('The newer post');
    const remoteUrl = (older as { remoteUrl: string }).remoteUrl;
    expect((await fetch(remoteUrl)).status).toBe(200);
  });

  it('serves avatars and answers unknown accounts with 404', async () => {
    const avatar = await fetch(`${base}/avatars/writer.svg`);
    expect(avatar.headers.get('content-type')).toBe('image/svg+xml');
    expect(await avatar.text()).toContain('<svg');
    expect((await page('/@nobody')).status).toBe(404);
    expect((await page('/media/not-a-uuid')).status).toBe(404);
  });
});
