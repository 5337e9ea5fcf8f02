/**
 * A feed host on loopback: serves RSS 2.0, Atom and JSON Feed documents with an ETag and a
 * Last-Modified, answers 304 to a matching conditional GET, and can be told to fail.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FeedServer = Awaited<ReturnType<typeof startFeedServer>>;

export async function startFeedServer() {
  const documents = new Map<string, { type: string; body: string; modified: string }>();
  const requests: { path: string; headers: IncomingHttpHeaders; status: number }[] = [];
  const failures = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const finish = (status: number, headers: Record<string, string> = {}, body = '') => {
      requests.push({ path, headers: req.headers, status });
      res.writeHead(status, headers);
      res.end(body);
    };
    const failWith = failures.get(path);
    if (failWith) return finish(failWith, { 'content-type': 'text/plain' }, 'down');
    const doc = documents.get(path);
    if (!doc) return finish(404, { 'content-type': 'text/plain' }, 'no such feed');
    const etag = `"${createHash('sha256')
      .update(doc.body + doc.modified)
      .digest('hex')
      .slice(0, 16)}"`;
    if (req.headers['if-none-match'] === etag || req.headers['if-modified-since'] === doc.modified) {
      return finish(304, { etag, 'last-modified': doc.modified });
    }
    finish(200, { 'content-type': doc.type, etag, 'last-modified': doc.modified }, doc.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let version = 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** Serves `body` at `path`; each call is a new version (new ETag, new Last-Modified). */
    put(path: string, type: string, body: string) {
      version++;
      documents.set(path, {
        type,
        body,
        modified: new Date(Date.UTC(2030, 0, 1, 0, 0, version)).toUTCString(),
      });
    },
    fail(path: string, status: number | null) {
      if (status === null) failures.delete(path);
      else failures.set(path, status);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Entry = { id: string; title: string; body: string; link: string; author?: string };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const rss = (entries: Entry[]) => `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Example RSS</title><link>https://example.test/</link><description>d</description>
${entries
  .map(
    (e) =>
      `<item><guid isPermaLink="false">${esc(e.id)}</guid><title>${esc(e.title)}</title><link>${esc(e.link)}</link><description>${esc(`<p>${e.body}</p>`)}</description><pubDate>Tue, 01 Jan 2030 10:00:00 GMT</pubDate></item>`,
  )
  .join('\n')}
</channel></rss>`;

export const atom = (entries: Entry[]) => `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Example Atom</title><id>urn:example</id><updated>2030-01-01T10:00:00Z</updated>
${entries
  .map(
    (e) =>
      `<entry><id>${esc(e.id)}</id><title>${esc(e.title)}</title><link rel="alternate" href="${esc(e.link)}"/><updated>2030-01-01T10:00:00Z</updated><author><name>${esc(e.author ?? 'Atom Author')}</name></author><content type="html">${esc(`<div>${e.body}</div>`)}</content></entry>`,
  )
  .join('\n')}
</feed>`;

export const jsonFeed = (entries: Entry[]) =>
  JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: 'Example JSON Feed',
    items: entries.map((e) => ({
      id: e.id,
      url: e.link,
      title: e.title,
      content_text: e.body,
      date_published: '2030-01-01T10:00:00Z',
      authors: [{ name: e.author ?? 'JSON Author' }],
    })),
  });
