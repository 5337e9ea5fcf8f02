/**
 * RSS 2.0, Atom and JSON Feed through `feedsmith`, fetched with a conditional GET (the ETag and
 * Last-Modified of the last answer) through the SSRF-safe fetcher media imports use.
 */
import { parseFeed } from 'feedsmith';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { fetchPublicUrl } from '../media/fetch-remote-media.ts';
import { plainText } from './content-hash.ts';
import type { CollectedItem, FetchResult } from './source-config.ts';

const MAX_FEED_BYTES = 5 * 1024 * 1024;

type Loose = Record<string, unknown>;
const str = (v: unknown): string | null => {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as Loose).value === 'string')
    return (v as Loose).value as string;
  return null;
};
const arr = (v: unknown): Loose[] => (Array.isArray(v) ? (v as Loose[]) : []);
const date = (v: unknown): Date | null => {
  const s = str(v);
  if (!s) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
};

function authorOf(entry: Loose): string | null {
  const first = arr(entry.authors)[0];
  return str(first?.name) ?? str(entry.author) ?? null;
}

/** One feed entry, whatever the format, as a collected item; null when it has nothing to go on. */
function toItem(format: string, entry: Loose): CollectedItem | null {
  let url: string | null;
  let body: string;
  let id: string | null;
  if (format === 'atom') {
    const links = arr(entry.links);
    url = str((links.find((l) => !l.rel || l.rel === 'alternate') ?? links[0])?.href);
    body = str(entry.content) ?? str(entry.summary) ?? '';
    id = str(entry.id);
  } else if (format === 'json') {
    url = str(entry.url) ?? str(entry.external_url);
    body = str(entry.content_text) ?? str(entry.content_html) ?? str(entry.summary) ?? '';
    id = str(entry.id);
  } else {
    url = str(entry.link);
    const content = entry.content as Loose | undefined;
    body = str(content?.encoded) ?? str(entry.description) ?? '';
    id = str(entry.guid) ?? null;
  }
  const title = plainText(str(entry.title) ?? '');
  const text = plainText(body);
  const externalId = id ?? url ?? (title ? `title:${title}` : null);
  if (!externalId || (!title && !text)) return null;
  return {
    externalId,
    title: title || text.slice(0, 120),
    body: text,
    url,
    author: authorOf(entry),
    score: null,
    commentsCount: null,
    context: [],
    createdAt: date(entry.date_published ?? entry.published ?? entry.pubDate ?? entry.updated ?? entry.dc),
  };
}

/** Parses a feed document; a document that is no feed is an `invalid` error naming the URL. */
export function parseFeedItems(text: string, limit: number): CollectedItem[] {
  let parsed: ReturnType<typeof parseFeed>;
  try {
    parsed = parseFeed(text);
  } catch (error) {
    throw new AppError('invalid', `not an RSS, Atom or JSON feed: ${(error as Error).message}`);
  }
  const feed = parsed.feed as Loose;
  const entries = parsed.format === 'atom' ? arr(feed.entries) : arr(feed.items);
  return entries
    .map((entry) => toItem(parsed.format, entry))
    .filter((item): item is CollectedItem => item !== null)
    .slice(0, limit);
}

export async function fetchFeed(
  deps: Deps,
  options: { url: string; limit: number; fetchState: Record<string, unknown> },
): Promise<FetchResult> {
  const headers: Record<string, string> = {
    'user-agent': 'Herald feed reader',
    accept:
      'application/feed+json, application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5',
  };
  if (typeof options.fetchState.etag === 'string') headers['if-none-match'] = options.fetchState.etag;
  if (typeof options.fetchState.lastModified === 'string')
    headers['if-modified-since'] = options.fetchState.lastModified;
  const response = await fetchPublicUrl(deps, { url: options.url, headers, maxBytes: MAX_FEED_BYTES });
  if (response.status === 304) {
    return { items: [], fetchState: options.fetchState, notModified: true, goneIds: [] };
  }
  if (response.status < 200 || response.status > 299) {
    throw new AppError('unavailable', `the feed answered HTTP ${response.status}`);
  }
  const etag = response.headers.etag;
  const lastModified = response.headers['last-modified'];
  return {
    items: parseFeedItems(Buffer.from(response.data).toString('utf8'), options.limit),
    fetchState: {
      ...(typeof etag === 'string' ? { etag } : {}),
      ...(typeof lastModified === 'string' ? { lastModified } : {}),
    },
    notModified: false,
    goneIds: [],
  };
}
