/**
 * Sources and collection: RSS, Atom and JSON Feed on a loopback feed host (conditional GET honoured),
 * a subreddit through application-only OAuth on the Reddit protocol server (filters, top comments as
 * context), a sandbox account's feed, de-duplication by external id and by content hash across
 * sources, and a failing source backing off with its last error shown.
 */
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processingLogs, sandboxAccounts, sandboxPosts, sourceItems, sources } from '../../src/db/schema.ts';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { registerPlatformApp } from '../support/real-protocol.ts';
import { type RedditServer, startRedditServer } from '../platforms/reddit/server.ts';
import { atom, type FeedServer, jsonFeed, rss, startFeedServer } from './feed-server.ts';

let herald: TestHerald;
let team: Team;
let feeds: FeedServer;
let reddit: RedditServer;

beforeAll(async () => {
  herald = await startHerald({ env: { HERALD_ALLOW_PRIVATE_MEDIA_URLS: 'true' } });
  await herald.listen();
  team = await newTeam(herald);
  feeds = await startFeedServer();
  reddit = await startRedditServer({ clientId: 'collector-app', clientSecret: 'collector-secret' });
});

afterAll(async () => {
  await feeds?.close();
  await reddit?.close();
  await herald?.close();
});

async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  headers = team.admin.headers,
): Promise<{ status: number; body: T }> {
  const res = await herald.app.inject({
    method: method as 'GET',
    url: `/api/workspaces/${team.workspace.id}${path}`,
    headers,
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
  });
  return { status: res.statusCode, body: res.json() as T };
}

type SourceJson = {
  id: string;
  status: string;
  lastError: string | null;
  consecutiveFailures: number;
  nextRunAt: string | null;
  lastRunAt: string | null;
  itemCount: number;
};

async function addSource(input: Record<string, unknown>): Promise<SourceJson> {
  const res = await api<SourceJson>('POST', '/sources', input);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const collect = async (id: string) => {
  const res = await api<{
    status: string;
    created: number;
    duplicates: number;
    seen: number;
    error: string | null;
  }>('POST', `/sources/${id}/collect`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};

const itemsOf = (sourceId: string) =>
  herald.deps.db
    .select()
    .from(sourceItems)
    .where(eq(sourceItems.sourceId, sourceId))
    .orderBy(asc(sourceItems.createdAt), asc(sourceItems.externalId));

describe('feeds', () => {
  it('collects an RSS feed as plain text, then asks again with its ETag and Last-Modified and gets a 304', async () => {
    feeds.put(
      '/rss.xml',
      'application/rss+xml',
      rss([
        {
          id: 'r-1',
          title: 'Backups are hard',
          body: 'I keep <b>losing</b> data &amp; nobody helps.',
          link: 'https://example.test/1',
        },
        {
          id: 'r-2',
          title: 'Uptime monitoring',
          body: 'Which tool do you use?',
          link: 'https://example.test/2',
        },
      ]),
    );
    const source = await addSource({
      kind: 'rss',
      name: 'Example RSS',
      config: { url: `${feeds.url}/rss.xml` },
    });
    expect(await collect(source.id)).toMatchObject({ status: 'ok', created: 2, duplicates: 0 });
    const items = await itemsOf(source.id);
    expect(items.map((i) => [i.externalId, i.title, i.body, i.url, i.stage])).toEqual([
      [
        'r-1',
        'Backups are hard',
        'I keep losing data & nobody helps.',
        'https://example.test/1',
        'collected',
      ],
      ['r-2', 'Uptime monitoring', 'Which tool do you use?', 'https://example.test/2', 'collected'],
    ]);

    const again = await collect(source.id);
    expect(again).toMatchObject({ status: 'not_modified', created: 0 });
    const last = feeds.requests.filter((r) => r.path === '/rss.xml').at(-1)!;
    expect(last.status).toBe(304);
    expect(last.headers['if-none-match']).toMatch(/^".+"$/);
    expect(last.headers['if-modified-since']).toMatch(/GMT$/);
    expect(await itemsOf(source.id)).toHaveLength(2);

    const logs = await herald.deps.db
      .select({ step: processingLogs.step, outcome: processingLogs.outcome })
      .from(processingLogs)
      .where(eq(processingLogs.sourceId, source.id))
      .orderBy(asc(processingLogs.createdAt));
    expect(logs).toEqual([
      { step: 'collect', outcome: 'ok' },
      { step: 'collect', outcome: 'not_modified' },
    ]);
  });

  it('stores an item seen again under the same id once, and links the same text from another source as a duplicate', async () => {
    const entries = [
      {
        id: 'urn:a-1',
        title: 'Self-hosting email',
        body: 'Deliverability is a constant struggle.',
        link: 'https://atom.test/1',
      },
    ];
    feeds.put('/atom.xml', 'application/atom+xml', atom(entries));
    const atomSource = await addSource({
      kind: 'rss',
      name: 'Atom',
      config: { url: `${feeds.url}/atom.xml` },
    });
    expect(await collect(atomSource.id)).toMatchObject({ created: 1, duplicates: 0 });
    // A new version of the document (new ETag) with the same entry: seen, not stored again.
    feeds.put('/atom.xml', 'application/atom+xml', atom(entries));
    expect(await collect(atomSource.id)).toMatchObject({ status: 'ok', created: 0, seen: 1 });

    // The same text elsewhere, differently cased and punctuated, under another id.
    feeds.put(
      '/feed.json',
      'application/feed+json',
      jsonFeed([
        {
          id: 'j-1',
          title: 'SELF-HOSTING EMAIL!',
          body: 'Deliverability is a constant  struggle',
          link: 'https://json.test/1',
        },
        { id: 'j-2', title: 'Something else', body: 'Entirely different text.', link: 'https://json.test/2' },
      ]),
    );
    const jsonSource = await addSource({
      kind: 'rss',
      name: 'JSON',
      config: { url: `${feeds.url}/feed.json` },
    });
    expect(await collect(jsonSource.id)).toMatchObject({ created: 1, duplicates: 1 });
    const [first] = await itemsOf(atomSource.id);
    const copies = await itemsOf(jsonSource.id);
    const copy = copies.find((c) => c.externalId === 'j-1')!;
    expect(copy).toMatchObject({
      duplicateOf: first!.id,
      stage: 'duplicate',
      contentHash: first!.contentHash,
    });
    expect(first).toMatchObject({ author: 'Atom Author', body: 'Deliverability is a constant struggle.' });
    // Only the first copy and the new item wait for enrichment; the duplicate has no job.
    const jobs = await herald.deps.queue.findJobs('enrich-item', { data: { itemId: copy.id } });
    expect(jobs).toHaveLength(0);
    expect(await herald.deps.queue.findJobs('enrich-item', { data: { itemId: first!.id } })).toHaveLength(1);
  });

  it('backs off a failing feed, shows the last error, and recovers on the next success', async () => {
    feeds.put(
      '/flaky.xml',
      'application/rss+xml',
      rss([{ id: 'f-1', title: 'Flaky', body: 'body', link: 'https://f.test/1' }]),
    );
    feeds.fail('/flaky.xml', 503);
    const source = await addSource({
      kind: 'rss',
      name: 'Flaky',
      scheduleMinutes: 30,
      config: { url: `${feeds.url}/flaky.xml` },
    });
    expect(await collect(source.id)).toMatchObject({ status: 'failed', error: 'the feed answered HTTP 503' });
    let view = (await api<SourceJson>('GET', `/sources/${source.id}`)).body;
    expect(view).toMatchObject({
      status: 'failing',
      lastError: 'the feed answered HTTP 503',
      consecutiveFailures: 1,
    });
    expect(Date.parse(view.nextRunAt!) - Date.parse(view.lastRunAt!)).toBe(30 * 60_000);
    await collect(source.id);
    view = (await api<SourceJson>('GET', `/sources/${source.id}`)).body;
    expect(view.consecutiveFailures).toBe(2);
    expect(Date.parse(view.nextRunAt!) - Date.parse(view.lastRunAt!)).toBe(60 * 60_000);

    feeds.fail('/flaky.xml', null);
    expect(await collect(source.id)).toMatchObject({ status: 'ok', created: 1 });
    view = (await api<SourceJson>('GET', `/sources/${source.id}`)).body;
    expect(view).toMatchObject({ status: 'active', lastError: null, consecutiveFailures: 0, itemCount: 1 });
  });

  it('refuses a loopback feed unless private addresses are allowed', async () => {
    herald.deps.config.allowPrivateMediaUrls = false;
    try {
      const source = await addSource({
        kind: 'rss',
        name: 'Private',
        config: { url: `${feeds.url}/rss.xml` },
      });
      const outcome = await collect(source.id);
      expect(outcome.status).toBe('failed');
      expect(outcome.error).toMatch(/refusing to fetch from .*address/);
    } finally {
      herald.deps.config.allowPrivateMediaUrls = true;
    }
  });

  it('names the field of a bad source', async () => {
    const res = await api<{ error: { code: string; message: string } }>('POST', '/sources', {
      kind: 'reddit',
      name: 'Bad',
      config: { subreddit: 'no spaces allowed', listing: 'best' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/config\.(subreddit|listing)/);
    const viewer = await api(
      'POST',
      '/sources',
      { kind: 'rss', name: 'x', config: { url: 'https://x.test/' } },
      team.viewer.headers,
    );
    expect(viewer.status).toBe(403);
  });
});

describe('reddit', () => {
  it("reads a subreddit listing with the workspace's app (application-only OAuth), filters it, and keeps the top comments", async () => {
    await registerPlatformApp(herald, {
      workspaceId: team.workspace.id,
      admin: team.admin,
      app: {
        platform: 'reddit',
        name: 'Reddit collector',
        clientId: 'collector-app',
        clientSecret: 'collector-secret',
        baseUrl: reddit.url,
      },
    });
    const wanted = reddit.seed({
      subreddit: 'selfhosted',
      title: 'My NAS keeps dying',
      text: 'Disks fail every few months. I wish there was a simple health dashboard.',
      score: 120,
      flair: 'Need Help',
    });
    reddit.comment({ parentId: `t3_${wanted}`, author: 'a', body: 'Use SMART monitoring.', score: 40 });
    reddit.comment({ parentId: `t3_${wanted}`, author: 'b', body: 'Same problem here.', score: 90 });
    reddit.comment({ parentId: `t3_${wanted}`, author: 'c', body: 'Buy better disks.', score: 5 });
    reddit.seed({
      subreddit: 'selfhosted',
      title: 'Low score NAS post',
      text: 'nas',
      score: 3,
      flair: 'Need Help',
    });
    reddit.seed({
      subreddit: 'selfhosted',
      title: 'Wrong flair NAS',
      text: 'nas',
      score: 500,
      flair: 'Showcase',
    });
    reddit.seed({
      subreddit: 'selfhosted',
      title: 'No keyword here',
      text: 'about cats',
      score: 500,
      flair: 'Need Help',
    });

    const source = await addSource({
      kind: 'reddit',
      name: 'r/selfhosted',
      config: {
        subreddit: 'selfhosted',
        listing: 'top',
        time: 'week',
        minScore: 10,
        flairs: ['need help'],
        keywords: ['nas'],
        comments: 2,
      },
    });
    expect(await collect(source.id)).toMatchObject({ status: 'ok', created: 1 });
    const [item] = await itemsOf(source.id);
    expect(item).toMatchObject({
      externalId: `t3_${wanted}`,
      title: 'My NAS keeps dying',
      score: 120,
      commentsCount: 3,
      author: 'someone_else',
    });
    expect(item!.context).toEqual([
      { author: 'b', body: 'Same problem here.', score: 90 },
      { author: 'a', body: 'Use SMART monitoring.', score: 40 },
    ]);
    const tokenCall = reddit.requests.find((r) => r.path === '/api/v1/access_token');
    expect(tokenCall?.headers.authorization).toBe(
      `Basic ${Buffer.from('collector-app:collector-secret').toString('base64')}`,
    );
    expect(
      reddit.requests.some((r) => r.path.startsWith('/r/selfhosted/top?') && r.path.includes('t=week')),
    ).toBe(true);
  });

  it('shows why a Reddit source fails when the app is refused', async () => {
    const source = await addSource({ kind: 'reddit', name: 'r/x', config: { subreddit: 'selfhosted' } });
    reddit.fail({ path: /^\/api\/v1\/access_token$/, status: 401 });
    const outcome = await collect(source.id);
    expect(outcome).toMatchObject({ status: 'failed' });
    expect(outcome.error).toMatch(/Reddit refused the app's application-only token \(HTTP 401/);
  });
});

describe('sandbox', () => {
  it("collects a sandbox account's posts through its JSON Feed", async () => {
    const [account] = await herald.deps.db
      .insert(sandboxAccounts)
      .values({ username: `feeder${Date.now() % 100000}`, displayName: 'Feeder' })
      .returning();
    await herald.deps.db.insert(sandboxPosts).values([
      { accountId: account!.id, text: 'First sandbox thought about invoices.' },
      { accountId: account!.id, text: 'Second sandbox thought about receipts.' },
    ]);
    const source = await addSource({
      kind: 'sandbox',
      name: 'Sandbox',
      config: { username: account!.username },
    });
    expect(await collect(source.id)).toMatchObject({ status: 'ok', created: 2 });
    const items = await itemsOf(source.id);
    expect(items.map((i) => i.body).sort()).toEqual([
      'First sandbox thought about invoices.',
      'Second sandbox thought about receipts.',
    ]);
    expect(items[0]!.url).toContain(`/sandbox/@${account!.username}/posts/`);
    const [row] = await herald.deps.db
      .select()
      .from(sources)
      .where(and(eq(sources.id, source.id)));
    expect(row!.status).toBe('active');
  });
});
