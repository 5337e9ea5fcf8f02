/** The web app's files: text compressed (brotli, else gzip), hashed assets cached for a year. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps.ts';
import { pickEncoding, webAppRoutes } from '../../src/http/web-app.ts';

describe('serving the built web app', () => {
  const dist = mkdtempSync(path.join(os.tmpdir(), 'herald-dist-'));
  mkdirSync(path.join(dist, 'assets'));
  const script = `console.log(${JSON.stringify('chart '.repeat(5000))});`;
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Herald</title>');
  writeFileSync(path.join(dist, 'assets', 'chart-abc123.js'), script);

  const app = async () => {
    const server = Fastify();
    await server.register(webAppRoutes({} as Deps, { distDir: dist }));
    return server;
  };

  it('sends a hashed script brotli-compressed, cached for a year', async () => {
    const server = await app();
    const res = await server.inject({
      url: '/assets/chart-abc123.js',
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers.vary).toBe('Accept-Encoding');
    expect(res.rawPayload.length).toBeLessThan(script.length / 10);
    expect(brotliDecompressSync(res.rawPayload).toString()).toBe(script);
  });

  it('falls back to gzip, and to the plain file for clients that take neither', async () => {
    const server = await app();
    const gzip = await server.inject({
      url: '/assets/chart-abc123.js',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.rawPayload).toString()).toBe(script);
    const plain = await server.inject({
      url: '/assets/chart-abc123.js',
      headers: { 'accept-encoding': 'identity' },
    });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(script);
  });

  it('reads Accept-Encoding with q-values', () => {
    expect(pickEncoding('br;q=0, gzip')).toBe('gzip');
    expect(pickEncoding('br;q=0.5')).toBe('br');
    expect(pickEncoding(undefined)).toBeNull();
  });
});
