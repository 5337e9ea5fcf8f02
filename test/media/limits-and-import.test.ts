import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRemoteMedia } from '../../src/features/media/fetch-remote-media.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { type Member, multipart, newMember, png } from './support.ts';

// 0.01 MB = 10,486 bytes. Incompressible pixels make a PNG bigger than that.
const bigPng = () => {
  const data = png(64, 64);
  return Buffer.concat([data, Buffer.alloc(12_000, 1)]);
};

describe('upload limit and import from a URL', () => {
  let herald: TestHerald;
  let member: Member;
  let server: Server;
  let origin: string;
  let hangingResponses = 0;

  beforeAll(async () => {
    herald = await startHerald({
      env: { HERALD_MAX_UPLOAD_MB: '0.01', HERALD_ALLOW_PRIVATE_MEDIA_URLS: 'true' },
    });
    member = await newMember(herald);
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const hop = url.pathname.match(/^\/hops\/(\d+)$/);
      if (url.pathname === '/dot.png') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(png(9, 4));
      } else if (hop) {
        const left = Number(hop[1]);
        res.writeHead(302, { location: left > 0 ? `/hops/${left - 1}` : '/dot.png' }).end();
      } else if (url.pathname === '/to-file') {
        res.writeHead(301, { location: 'file:///etc/passwd' }).end();
      } else if (url.pathname === '/big.png') {
        res.writeHead(200, { 'content-type': 'image/png' }).end(bigPng());
      } else if (url.pathname === '/big-chunked.png') {
        // No Content-Length: the limit must hold while streaming.
        res.writeHead(200, { 'content-type': 'image/png' });
        res.write(bigPng().subarray(0, 6000));
        res.end(bigPng().subarray(6000));
      } else if (url.pathname === '/page.html') {
        res.writeHead(200, { 'content-type': 'image/png' }).end('<!doctype html><title>not an image</title>');
      } else if (url.pathname === '/hang') {
        hangingResponses++;
        res.writeHead(200, { 'content-type': 'image/png' });
        res.write(png(1, 1).subarray(0, 10));
      } else {
        res.writeHead(404).end('nope');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await herald?.close();
  });

  const base = () => `/api/workspaces/${member.workspaceId}/media`;
  const importFrom = (url: string, altText?: string) =>
    herald.app.inject({
      method: 'POST',
      url: `${base()}/from-url`,
      payload: { url, ...(altText ? { altText } : {}) },
      headers: member.headers,
    });
  const list = async () =>
    (await herald.app.inject({ method: 'GET', url: base(), headers: member.headers })).json()
      .items as unknown[];

  it('refuses an upload over the limit with 413 and stores nothing', async () => {
    const before = (await list()).length;
    const form = multipart([{ name: 'file', filename: 'big.png', contentType: 'image/png', data: bigPng() }]);
    const res = await herald.app.inject({
      method: 'POST',
      url: base(),
      payload: form.payload,
      headers: { ...member.headers, ...form.headers },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('payload_too_large');
    expect(await list()).toHaveLength(before);
    const dir = path.join(herald.config.dataDir, 'media', member.workspaceId);
    const stored = (() => {
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    })();
    expect(stored).toHaveLength(before);
  });

  it('still accepts a file under the limit', async () => {
    const form = multipart([
      { name: 'file', filename: 'small.png', contentType: 'image/png', data: png(10, 10) },
    ]);
    const res = await herald.app.inject({
      method: 'POST',
      url: base(),
      payload: form.payload,
      headers: { ...member.headers, ...form.headers },
    });
    expect(res.statusCode).toBe(201);
  });

  it('imports from a URL (private addresses allowed by configuration), detecting the type itself', async () => {
    const res = await importFrom(`${origin}/dot.png`, 'A dot from afar');
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      kind: 'image',
      mimeType: 'image/png',
      width: 9,
      height: 4,
      altText: 'A dot from afar',
      originalName: 'dot.png',
    });
  });

  it('follows up to three redirects and no more', async () => {
    expect((await importFrom(`${origin}/hops/2`)).statusCode).toBe(201); // 3 redirects
    const res = await importFrom(`${origin}/hops/3`); // 4 redirects
    expect(res.statusCode).toBe(422);
    expect(res.json().error.message).toBe('url: more than 3 redirects');
  });

  it('checks every hop: a redirect to a file URL is refused', async () => {
    const res = await importFrom(`${origin}/to-file`);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.message).toContain('only http and https');
  });

  it('holds the size limit whether or not the server declares a length', async () => {
    for (const file of ['big.png', 'big-chunked.png']) {
      const res = await importFrom(`${origin}/${file}`);
      expect(res.statusCode, file).toBe(422);
      expect(res.json().error.message).toContain('larger than');
    }
  });

  it('refuses what is not media, and error statuses', async () => {
    const html = await importFrom(`${origin}/page.html`);
    expect(html.statusCode).toBe(415);
    const missing = await importFrom(`${origin}/missing.png`);
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error.message).toBe('url: the server answered 404');
  });

  it('gives up on a server that stops sending', async () => {
    const started = Date.now();
    await expect(
      fetchRemoteMedia(herald.deps, { url: `${origin}/hang`, timeoutMs: 300 }),
    ).rejects.toMatchObject({
      code: 'invalid',
      message: 'url: no complete answer within 0.3 seconds',
    });
    expect(hangingResponses).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
