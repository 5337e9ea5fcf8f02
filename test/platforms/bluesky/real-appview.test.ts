/**
 * The Bluesky adapter's reads against a real AT Protocol AppView: `@atproto/dev-env`'s
 * `TestNetwork` runs a PDS, a PLC directory, the bsky AppView (with its data plane and bsync) and
 * ozone in this process, bound to 127.0.0.1. Counts (`readMetrics`, `app.bsky.feed.getPosts`) and
 * replies (`readComments`, `app.bsky.feed.getPostThread`) are known only to an AppView, so the
 * real-PDS suite cannot reach them, and the hand-written server in `server.ts` only says what we
 * believe an AppView answers. Here alice publishes through the adapter, bob and carol like, repost,
 * reply and delete through their PDS, the AppView indexes the firehose (`network.processAll()`),
 * and the adapter reads what it indexed.
 *
 * The AppView, bsync and ozone keep their state in PostgreSQL and dev-env insists on a Redis host,
 * so the suite needs PostgreSQL (`TEST_DATABASE_URL`, else postgres@127.0.0.1:5432/postgres) and
 * Redis at 127.0.0.1:6379, and is skipped without them. Each run makes a database of its own,
 * `herald_appview_<random letters>` (the services' schemas are named after it too), and drops it
 * afterwards: a schema alone would not hold everything, as the AppView installs `pg_trgm` into
 * `public` and ozone's `REFRESH MATERIALIZED VIEW CONCURRENTLY` leaves Postgres's per-connection
 * `pg_temp_<n>` schemas behind. As in the real-PDS suite, better-sqlite3 (for the PDS) is served by
 * `node:sqlite` and servers that listen on a port alone are bound to 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blueskyAdapter } from '../../../src/platforms/bluesky/index.ts';
import type {
  AdapterContext,
  CommentPage,
  Credentials,
  PlatformComment,
  PublishRequest,
} from '../../../src/platforms/types.ts';
import { type DevEnvHost, hostDevEnv, xrpcCall } from './support/dev-env.ts';

const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = { host: '127.0.0.1', port: 6379 };

async function postgresUnreachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return `PostgreSQL at ${new URL(POSTGRES_URL).host} is unreachable: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
}

async function redisUnreachable(): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = net.createConnection(REDIS);
    const where = `Redis at ${REDIS.host}:${REDIS.port}`;
    const done = (reason: string | null) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(2000, () => done(`${where} did not answer`));
    socket.on('error', (error) => done(`${where} is unreachable: ${error.message}`));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', () => done(null));
  });
}

/** Why the suite cannot run here, or null when PostgreSQL and Redis both answer. */
const unavailable = (await postgresUnreachable()) ?? (await redisUnreachable());

/**
 * This run's database, and the name dev-env gives the services' schemas (`appview_…`, `bsync_…`,
 * `ozone_…`). bsync takes only `[A-Za-z_]` there, so the random part is hex spelled with a–p.
 */
const NAME = `herald_appview_${randomBytes(6)
  .toString('hex')
  .replace(/[0-9a-f]/g, (d) => String.fromCharCode(97 + parseInt(d, 16)))}`;

type Network = {
  pds: { port: number };
  bsky: { url: string };
  processAll(): Promise<void>;
  close(): Promise<void>;
};
type Account = { did: string; handle: string; accessJwt: string };
type Ref = { uri: string; cid: string };
/** A post as the test knows it: its strong ref and the `createdAt` its record says. */
type Post = Ref & { createdAt: Date };

let network: Network | undefined;
let ctx: AdapterContext;
let credentials: Credentials;
let pdsUrl: string;
let databaseCreated = false;
let host: DevEnvHost | undefined;
let alice: Account;
let bob: Account;
let carol: Account;

/**
 * A clock that moves a second per reading, an hour back: every post (the adapter's, through
 * `ctx.now`, and the replies made here) gets a distinct `createdAt` in the order it was made.
 */
let seconds = 0;
const origin = Date.now() - 3_600_000;
const tick = () => new Date(origin + ++seconds * 1000);

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function xrpc(
  nsid: string,
  options: Parameters<typeof xrpcCall>[2] = {},
): Promise<Record<string, unknown>> {
  const { status, body } = await xrpcCall(pdsUrl, nsid, options);
  if (status >= 400) throw new Error(`${nsid}: ${status} ${JSON.stringify(body)}`);
  return body;
}

async function createRecord(
  account: Account,
  collection: string,
  record: Record<string, unknown>,
  rkey?: string,
): Promise<Ref> {
  const body = await xrpc('com.atproto.repo.createRecord', {
    token: account.accessJwt,
    body: {
      repo: account.did,
      collection,
      ...(rkey ? { rkey } : {}),
      record: { $type: collection, ...record },
    },
  });
  return { uri: String(body.uri), cid: String(body.cid) };
}

async function createAccount(handle: string, displayName?: string): Promise<Account> {
  const body = await xrpc('com.atproto.server.createAccount', {
    body: { handle, email: `${handle}@example.com`, password: 'account-password' },
  });
  const account = { did: String(body.did), handle, accessJwt: String(body.accessJwt) };
  if (displayName) await createRecord(account, 'app.bsky.actor.profile', { displayName }, 'self');
  return account;
}

const rkeyOf = (uri: string) => uri.slice(uri.lastIndexOf('/') + 1);

/** A post published through the adapter, read back from the PDS (a reply to it needs its CID). */
async function postOf(uri: string): Promise<Post> {
  const [, , repo, collection, rkey] = uri.split('/');
  const body = await xrpc('com.atproto.repo.getRecord', {
    query: { repo: repo!, collection: collection!, rkey: rkey! },
  });
  const { createdAt } = body.value as { createdAt: string };
  return { uri: String(body.uri), cid: String(body.cid), createdAt: new Date(createdAt) };
}

/** The strong ref (`com.atproto.repo.strongRef`) records point at a post with. */
const strongRef = (post: Ref): Ref => ({ uri: post.uri, cid: post.cid });
const like = (account: Account, post: Ref) =>
  createRecord(account, 'app.bsky.feed.like', { subject: strongRef(post), createdAt: tick().toISOString() });
const repost = (account: Account, post: Ref) =>
  createRecord(account, 'app.bsky.feed.repost', {
    subject: strongRef(post),
    createdAt: tick().toISOString(),
  });
async function reply(account: Account, text: string, to: { root: Ref; parent: Ref }): Promise<Post> {
  const createdAt = tick();
  const ref = await createRecord(account, 'app.bsky.feed.post', {
    text,
    reply: { root: strongRef(to.root), parent: strongRef(to.parent) },
    createdAt: createdAt.toISOString(),
  });
  return { ...ref, createdAt };
}
const deletePost = (account: Account, uri: string) =>
  xrpc('com.atproto.repo.deleteRecord', {
    token: account.accessJwt,
    body: { repo: account.did, collection: 'app.bsky.feed.post', rkey: rkeyOf(uri) },
  });

async function publish(text: string, thread: string[] = []) {
  const outcome = await blueskyAdapter.publish({ ...ctx, now: tick }, credentials, {
    idempotencyKey: `herald-${randomBytes(8).toString('hex')}`,
    channel: { externalId: credentials.accountId, kind: 'profile', metadata: {} },
    text,
    title: null,
    media: [],
    options: thread.length ? { thread } : {},
    state: null,
  } satisfies PublishRequest);
  if (outcome.status !== 'published') throw new Error(`not published: ${outcome.status}`);
  return { ...outcome, ref: await postOf(outcome.remoteId) };
}

/** Every page of a post's comments, `limit` at a time. */
async function readAll(remoteId: string, limit: number) {
  const pages: CommentPage[] = [];
  let cursor: string | null = null;
  do {
    const page = await blueskyAdapter.readComments(ctx, credentials, remoteId, { cursor, limit });
    pages.push(page);
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < 20);
  return { cursors: pages.map((p) => p.nextCursor), comments: pages.flatMap((p) => p.comments) };
}

/** A reply as `readComments` should give it, from what the test made. */
function expected(
  post: Post,
  options: { parent: Ref | null; by: Account; displayName: string | null; text: string; likes: number },
): PlatformComment {
  return {
    id: post.uri,
    parentId: options.parent?.uri ?? null,
    author: {
      id: options.by.did,
      username: options.by.handle,
      displayName: options.displayName,
      avatarUrl: null,
    },
    text: options.text,
    // The record's own `createdAt`, not the time the AppView indexed it.
    createdAt: post.createdAt,
    likes: options.likes,
    url: `https://bsky.app/profile/${options.by.handle}/post/${rkeyOf(post.uri)}`,
  };
}

describe.skipIf(unavailable)(
  `Bluesky adapter on a real AppView (needs PostgreSQL and Redis${unavailable ? `; skipped: ${unavailable}` : ''})`,
  () => {
    beforeAll(async () => {
      host = await hostDevEnv();
      await admin((client) => client.query(`create database "${NAME}"`));
      databaseCreated = true;
      const database = new URL(POSTGRES_URL);
      database.pathname = `/${NAME}`;
      network = await host.start(
        async () => {
          const { TestNetwork } = await import('@atproto/dev-env');
          return (await TestNetwork.create({
            dbPostgresUrl: database.toString(),
            dbPostgresSchema: NAME,
          })) as unknown as Network;
        },
        // dev-env takes the Redis host from the environment only (and only asserts that it is set).
        { REDIS_HOST: `${REDIS.host}:${REDIS.port}` },
      );

      pdsUrl = `http://127.0.0.1:${network.pds.port}`;
      ctx = {
        app: {
          clientId: 'herald',
          clientSecret: null,
          baseUrl: pdsUrl,
          scopes: [],
          settings: { appViewUrl: network.bsky.url },
        },
        fetch,
        now: () => new Date(),
      };
      alice = await createAccount('alice.test', 'Alice Real');
      bob = await createAccount('bob.test');
      carol = await createAccount('carol.test', 'Carol Real');
      const appPassword = await xrpc('com.atproto.server.createAppPassword', {
        token: alice.accessJwt,
        body: { name: 'herald' },
      });
      const tokens = await blueskyAdapter.signIn(ctx, {
        identifier: 'alice.test',
        password: String(appPassword.password),
      });
      expect(tokens.scopes).toEqual(['com.atproto.appPass']);
      const profile = await blueskyAdapter.profile(ctx, tokens);
      credentials = { ...tokens, accountId: profile.externalId, metadata: profile.metadata ?? {} };
    });

    afterAll(async () => {
      try {
        await network?.close();
      } finally {
        await host?.close();
        // `with (force)` ends any connection a service left open.
        if (databaseCreated)
          await admin((client) => client.query(`drop database if exists "${NAME}" with (force)`));
      }
    });

    /** alice's post: three likes, one repost; bob and carol answer it; bob answers carol. */
    async function conversation() {
      const post = await publish('Real AppView: tell me what you think');
      for (const account of [bob, carol, alice]) await like(account, post.ref);
      await repost(bob, post.ref);
      const first = await reply(bob, 'First!', { root: post.ref, parent: post.ref });
      const second = await reply(carol, 'Carol was here 🎉', { root: post.ref, parent: post.ref });
      const nested = await reply(bob, 'Hi Carol', { root: post.ref, parent: second });
      // The later reply is the liked one: an AppView that ranks replies puts it first.
      await like(bob, second);
      await network!.processAll();
      return { post, first, second, nested };
    }

    it('readMetrics gives the AppView counts: likes, reposts, direct replies, bookmarks', async () => {
      const { post } = await conversation();
      const metrics = await blueskyAdapter.readMetrics(ctx, credentials, post.remoteId);
      // Counts that differ from each other, so that no two can be mixed up unnoticed.
      expect(metrics).toEqual({
        likes: 3,
        shares: 1,
        // The AppView's replyCount counts the replies to the post itself (bob's and carol's), not
        // bob's answer to carol: that one is counted on carol's reply.
        comments: 2,
        impressions: null,
        saves: 0,
        raw: expect.objectContaining({
          uri: post.remoteId,
          likeCount: 3,
          repostCount: 1,
          replyCount: 2,
        }) as unknown,
      });
    });

    it('readComments gives every reply oldest first with its parent, paged by nextCursor', async () => {
      const { post, first, second, nested } = await conversation();
      const { cursors, comments } = await readAll(post.remoteId, 2);
      expect(cursors).toEqual(['2', null]);
      expect(comments).toEqual([
        expected(first, { parent: null, by: bob, displayName: null, text: 'First!', likes: 0 }),
        expected(second, {
          parent: null,
          by: carol,
          displayName: 'Carol Real',
          text: 'Carol was here 🎉',
          likes: 1,
        }),
        expected(nested, { parent: second, by: bob, displayName: null, text: 'Hi Carol', likes: 0 }),
      ]);
      // The whole list at once is the pages joined.
      const whole = await blueskyAdapter.readComments(ctx, credentials, post.remoteId, {
        cursor: null,
        limit: 50,
      });
      expect(whole).toEqual({ comments, nextCursor: null });
    });

    it('a thread: its own parts are replies, each under the part before, and answers hang under a part', async () => {
      const thread = await publish('Real thread 1/3', ['Real thread 2/3', 'Real thread 3/3']);
      const [part2, part3] = await Promise.all(thread.partIds!.map(postOf));
      const answer = await reply(bob, 'Great thread', { root: thread.ref, parent: part3! });
      await network!.processAll();

      const { cursors, comments } = await readAll(thread.remoteId, 1);
      expect(cursors).toEqual(['1', '2', null]);
      expect(comments).toEqual([
        expected(part2!, {
          parent: null,
          by: alice,
          displayName: 'Alice Real',
          text: 'Real thread 2/3',
          likes: 0,
        }),
        expected(part3!, {
          parent: part2!,
          by: alice,
          displayName: 'Alice Real',
          text: 'Real thread 3/3',
          likes: 0,
        }),
        expected(answer, { parent: part3!, by: bob, displayName: null, text: 'Great thread', likes: 0 }),
      ]);
      expect(await blueskyAdapter.readMetrics(ctx, credentials, thread.remoteId)).toMatchObject({
        likes: 0,
        shares: 0,
        comments: 1,
      });
    });

    it('a deleted reply goes with what hangs under it; a deleted post is invalid to both reads', async () => {
      const post = await publish('Soon gone');
      const doomed = await reply(bob, 'I will delete this', { root: post.ref, parent: post.ref });
      await reply(carol, 'Under the deleted one', { root: post.ref, parent: doomed });
      const kept = await reply(carol, 'Still here', { root: post.ref, parent: post.ref });
      await network!.processAll();
      expect((await readAll(post.remoteId, 10)).comments).toHaveLength(3);

      await deletePost(bob, doomed.uri);
      await network!.processAll();
      expect((await readAll(post.remoteId, 10)).comments).toEqual([
        expected(kept, { parent: null, by: carol, displayName: 'Carol Real', text: 'Still here', likes: 0 }),
      ]);
      expect(await blueskyAdapter.readMetrics(ctx, credentials, post.remoteId)).toMatchObject({
        comments: 1,
      });

      await blueskyAdapter.deletePost(ctx, credentials, post.remoteId);
      await network!.processAll();
      // The AppView no longer has it, and the PDS confirms it is gone.
      await expect(blueskyAdapter.readMetrics(ctx, credentials, post.remoteId)).rejects.toMatchObject({
        kind: 'invalid',
        code: 'RecordNotFound',
      });
      // getPostThread answers 400 NotFound for it.
      await expect(
        blueskyAdapter.readComments(ctx, credentials, post.remoteId, { cursor: null, limit: 10 }),
      ).rejects.toMatchObject({ kind: 'invalid', code: 'NotFound', status: 400 });
    });
  },
);
