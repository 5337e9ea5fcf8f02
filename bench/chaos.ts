/**
 * `npm run chaos`: does Herald keep its promise — every due target published exactly once — while
 * its processes are killed, the platform misbehaves and the database goes away?
 *
 * It starts its own PostgreSQL cluster (initdb into a temp dir, on a spare port, deadlock and lock
 * wait logging on), then Herald as real processes: one `herald start --no-workers` (API, scheduler
 * and the built-in sandbox network) and three `herald worker --concurrency 8`. It connects sandbox
 * channels through the real OAuth flow, turns the sandbox's same-text rule off on every account (so
 * a second publish shows up as a second copy, not as a `duplicate` refusal) and runs four
 * experiments, each on its own batch of targets made due at one instant:
 *
 *   1. kill storm: kill -9 a random worker every few seconds and start a new one;
 *   2. fault mix: 20% of sandbox calls answer 5xx, 10% 429 with a reset, 5% hang (on a publish,
 *      after the post is stored); one account's tokens are revoked, another's expire every 10 s;
 *   3. database: `pg_ctl restart -m fast` several times, then an outage (stop, wait, start);
 *   4. API kill: kill -9 `herald start --no-workers` (and with it the sandbox) and start it again.
 *
 * Per experiment it prints: targets published exactly once, doubled (two ways: copies of the text on
 * the account in the sandbox, and more than one successful publish in Herald's `publish_attempts`),
 * lost (Herald says published, the platform has nothing; or never attempted), stuck (not settled by
 * the deadline), unknown, failed, falsely failed (failed although the platform holds a copy),
 * waiting for re-authorisation, deadlocks in the database log, processes that exited without the
 * harness killing them, and the time until a publish succeeded again after the database or the API
 * came back. It exits 1 if anything bad was counted.
 *
 * Environment (defaults in brackets, then `--quick`'s where it differs): CHAOS_TARGETS [3000; 300]
 * targets per experiment, CHAOS_CHANNELS [20], CHAOS_WORKERS [3], CHAOS_CONCURRENCY [8],
 * CHAOS_LATENCY_MS [100] sandbox latency per call, CHAOS_STORM_LATENCY_MS [100; 1000] the same during
 * the kill storm, CHAOS_KILL_INTERVAL_MS [2000; 1000], CHAOS_STORM_SECONDS [30; 8],
 * CHAOS_EXPIRE_EVERY_SECONDS [10] how often the expiring account's tokens expire, CHAOS_DB_RESTARTS
 * [5; 2], CHAOS_OUTAGE_SECONDS [30; 10], CHAOS_STALL_SECONDS [60; 45] without a target settling after
 * which the rest count as stuck, CHAOS_SETTLE_SECONDS [600; 180] the longest wait for a batch to
 * settle, CHAOS_RESUME_LIMIT_SECONDS [10], CHAOS_MAX_MINUTES [40; 15] hard stop (the table so far is
 * printed), CHAOS_PG_BIN (PostgreSQL's bin directory; the newest /usr/lib/postgresql/N/bin
 * otherwise), CHAOS_EXPERIMENTS (a comma-separated subset of storm,faults,database,api).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  appendFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../test/support/processes.ts';
import { connectSandbox } from '../test/support/sandbox-oauth.ts';

const quick = process.argv.includes('--quick');
const env = process.env;
const num = (name: string, fallback: number, quickFallback = fallback) =>
  Number(env[name] ?? (quick ? quickFallback : fallback));

const TARGETS = num('CHAOS_TARGETS', 3000, 300);
const CHANNELS = num('CHAOS_CHANNELS', 20);
const WORKERS = num('CHAOS_WORKERS', 3);
const CONCURRENCY = num('CHAOS_CONCURRENCY', 8);
const LATENCY_MS = num('CHAOS_LATENCY_MS', 100);
/** Slower calls during the kill storm, so a short batch is still in flight when workers die. */
const STORM_LATENCY_MS = num('CHAOS_STORM_LATENCY_MS', 100, 1000);
const KILL_INTERVAL_MS = num('CHAOS_KILL_INTERVAL_MS', 2000, 1000);
const STORM_SECONDS = num('CHAOS_STORM_SECONDS', 30, 8);
const DB_RESTARTS = num('CHAOS_DB_RESTARTS', 5, 2);
const EXPIRE_EVERY_SECONDS = num('CHAOS_EXPIRE_EVERY_SECONDS', 10);
const OUTAGE_SECONDS = num('CHAOS_OUTAGE_SECONDS', 30, 10);
const SETTLE_SECONDS = num('CHAOS_SETTLE_SECONDS', 600, 180);
const STALL_SECONDS = num('CHAOS_STALL_SECONDS', 60, 45);
const RESUME_LIMIT_SECONDS = num('CHAOS_RESUME_LIMIT_SECONDS', 10);
const MAX_MINUTES = num('CHAOS_MAX_MINUTES', 40, 15);
const EXPERIMENTS = (env.CHAOS_EXPERIMENTS ?? 'storm,faults,database,api').split(',').map((e) => e.trim());

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'src/cli/main.ts');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const started = Date.now();
const say = (message: string) =>
  process.stderr.write(`[chaos ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}\n`);

// ---------------------------------------------------------------------------------------------------
// The PostgreSQL cluster

function pgBin(): string {
  if (env.CHAOS_PG_BIN) return env.CHAOS_PG_BIN;
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .filter((v) => existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length) throw new Error('no PostgreSQL found: set CHAOS_PG_BIN to its bin directory');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

const runDir = mkdtempSync(path.join(os.tmpdir(), 'herald-chaos-'));
chmodSync(runDir, 0o755);
const pgData = path.join(runDir, 'pgdata');
const pgLog = path.join(runDir, 'postgres.log');
const asRoot = process.getuid?.() === 0;

/** PostgreSQL refuses to run as root: as root, its tools run as the `postgres` OS user. */
function pgTool(tool: string, args: string[]): string {
  const bin = path.join(pgBin(), tool);
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function createCluster(port: number) {
  mkdirSync(pgData);
  writeFileSync(pgLog, '');
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(pgData, uid, gid);
    chownSync(pgLog, uid, gid);
  }
  pgTool('initdb', ['-D', pgData, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  appendFileSync(
    path.join(pgData, 'postgresql.conf'),
    [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${pgData}'`,
      'max_connections = 200',
      'log_lock_waits = on',
      `deadlock_timeout = '1s'`,
      `log_line_prefix = '%m [%p] '`,
      '',
    ].join('\n'),
  );
  pgStart();
}

const pgStart = () => pgTool('pg_ctl', ['start', '-w', '-t', '60', '-D', pgData, '-l', pgLog]);
const pgStop = (mode = 'fast') => pgTool('pg_ctl', ['stop', '-w', '-t', '60', '-m', mode, '-D', pgData]);
const pgRestart = () =>
  pgTool('pg_ctl', ['restart', '-w', '-t', '60', '-m', 'fast', '-D', pgData, '-l', pgLog]);

const deadlocksInLog = () => (readFileSync(pgLog, 'utf8').match(/deadlock detected/g) ?? []).length;

// ---------------------------------------------------------------------------------------------------
// Herald's processes

type Proc = {
  name: string;
  args: string[];
  logFile: string;
  child: ChildProcess | null;
  /** Set just before the harness kills the process, so its exit is not counted as unplanned. */
  planned: boolean;
  /** Started and said so (the kill storm only kills ready workers). */
  ready: boolean;
};

type Exit = { experiment: string; name: string; code: number | null; signal: string | null };
const unplannedExits: Exit[] = [];
let currentExperiment = 'setup';
let heraldEnv: Record<string, string> = {};

function spawnProc(proc: Proc) {
  const offset = existsSync(proc.logFile) ? statSync(proc.logFile).size : 0;
  appendFileSync(proc.logFile, `\n--- chaos: starting ${proc.name} at ${new Date().toISOString()}\n`);
  const fd = openSync(proc.logFile, 'a');
  const child = spawn(process.execPath, [cli, ...proc.args], {
    env: { PATH: env.PATH ?? '', HOME: env.HOME ?? '/tmp', ...heraldEnv, HERALD_DATA_DIR: dataDirOf(proc) },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  proc.child = child;
  proc.planned = false;
  proc.ready = false;
  child.once('exit', (code, signal) => {
    if (proc.child === child) proc.child = null;
    if (!proc.planned) {
      unplannedExits.push({ experiment: currentExperiment, name: proc.name, code, signal });
      say(`UNPLANNED EXIT: ${proc.name} (code ${code}, signal ${signal}); see ${proc.logFile}`);
    }
  });
  return offset;
}

const dataDirOf = (proc: Proc) => path.join(runDir, `data-${proc.name}`);

async function startProc(proc: Proc, ready: RegExp) {
  const offset = spawnProc(proc);
  // Generous: on a loaded machine a Node process can take a minute to start.
  const deadline = Date.now() + 180_000;
  for (;;) {
    const text = readFileSync(proc.logFile, 'utf8').slice(offset);
    if (ready.test(text)) {
      proc.ready = true;
      return;
    }
    if (!proc.child) throw new Error(`${proc.name} exited while starting; see ${proc.logFile}`);
    if (Date.now() > deadline) throw new Error(`${proc.name} did not start in time; see ${proc.logFile}`);
    await sleep(100);
  }
}

async function killProc(proc: Proc) {
  const child = proc.child;
  if (!child) return;
  proc.planned = true;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

const API_READY = /Herald is listening on/;
const WORKER_READY = /Herald worker \S+ started/;

// ---------------------------------------------------------------------------------------------------
// The harness's own database access: reconnects after restarts, retries through outages.

let pool: pg.Pool;

async function query<T>(text: string, values: unknown[] = [], patienceMs = 90_000): Promise<T[]> {
  const deadline = Date.now() + patienceMs;
  for (;;) {
    try {
      return (await pool.query(text, values)).rows as T[];
    } catch (error) {
      const code = (error as { code?: string }).code;
      const transient =
        !code ||
        code.startsWith('08') ||
        code === '57P01' ||
        code === '57P03' ||
        /terminat|connect|ECONNREFUSED|ECONNRESET/i.test((error as Error).message);
      if (!transient || Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Herald's API, as a client

type Channel = { channelId: string; username: string };

async function api<T>(
  base: string,
  method: string,
  url: string,
  body: unknown,
  headers: Record<string, string>,
) {
  const response = await fetch(`${base}${url}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${url}: HTTP ${response.status}: ${await response.text()}`);
  return { body: (await response.json()) as T, headers: response.headers };
}

async function setKnobs(base: string, username: string, knobs: Record<string, unknown>) {
  await api(base, 'PUT', `/sandbox/admin/accounts/${username}/knobs`, knobs, {});
}

async function setupHerald(base: string) {
  const setup = await api<{ workspace: { id: string }; csrfToken: string }>(
    base,
    'POST',
    '/api/setup',
    { email: 'chaos@example.test', password: 'chaos run password', name: 'Chaos', workspaceName: 'Chaos' },
    {},
  );
  const cookie = (setup.headers.getSetCookie() ?? []).map((c) => c.split(';')[0]).join('; ');
  const token = await api<{ token: string }>(
    base,
    'POST',
    '/api/tokens',
    { name: 'chaos' },
    { cookie, 'x-csrf-token': setup.body.csrfToken },
  );
  return { workspaceId: setup.body.workspace.id, auth: { authorization: `Bearer ${token.body.token}` } };
}

// ---------------------------------------------------------------------------------------------------
// Batches of targets

type Batch = { experiment: string; postIds: string[]; channels: Channel[]; texts: string[] };

const runTag = Math.random().toString(36).slice(2, 8);

/** Creates posts (scheduled a day ahead, so nothing runs yet) with one target per channel. */
async function createBatch(
  herald: { base: string; workspaceId: string; auth: Record<string, string> },
  experiment: string,
  channels: Channel[],
  total: number,
): Promise<Batch> {
  const far = new Date(Date.now() + 24 * 3600_000).toISOString();
  const posts = Math.ceil(total / channels.length);
  const batch: Batch = { experiment, postIds: [], channels, texts: [] };
  let next = 0;
  const one = async () => {
    for (;;) {
      const i = next++;
      if (i >= posts) return;
      const count = Math.min(channels.length, total - i * channels.length);
      const content = `chaos ${runTag} ${experiment} post ${i}`;
      const { body } = await api<{ id: string }>(
        herald.base,
        'POST',
        `/api/workspaces/${herald.workspaceId}/posts`,
        { content, channelIds: channels.slice(0, count).map((c) => c.channelId), scheduledAt: far },
        herald.auth,
      );
      batch.postIds.push(body.id);
      batch.texts.push(content);
    }
  };
  await Promise.all([one(), one(), one(), one()]);
  return batch;
}

/** Makes the given posts' targets due at one instant, jobs included. */
async function makeDue(postIds: string[]) {
  const now = new Date();
  await query(
    `update post_targets set scheduled_at = $1, next_attempt_at = $1 where post_id = any($2::uuid[])`,
    [now, postIds],
  );
  await query(
    `update pgboss.job set start_after = $1
      where name = 'publish-target' and state in ('created', 'retry')
        and (data->>'targetId')::uuid in (select id from post_targets where post_id = any($2::uuid[]))`,
    [now, postIds],
  );
}

const UNSETTLED = `('draft','scheduled','publishing','retrying','deferred')`;

async function unsettled(postIds: string[]): Promise<number> {
  const [row] = await query<{ n: number }>(
    `select count(*)::int as n from post_targets where post_id = any($1::uuid[]) and status in ${UNSETTLED}`,
    [postIds],
  );
  return row!.n;
}

/**
 * Waits until every target settled, or until none settled for STALL_SECONDS (what is left is stuck),
 * or SETTLE_SECONDS in all: a slow machine is not counted as stuck while targets still settle.
 */
async function waitSettled(postIds: string[]): Promise<boolean> {
  const deadline = Date.now() + SETTLE_SECONDS * 1000;
  let last = -1;
  let lastChange = Date.now();
  while (Date.now() < deadline && Date.now() - lastChange < STALL_SECONDS * 1000) {
    const left = await unsettled(postIds);
    if (left === 0) return true;
    if (left !== last) {
      say(`  ${left} targets not settled yet`);
      lastChange = Date.now();
    }
    last = left;
    await sleep(1000);
  }
  return false;
}

/**
 * Seconds from `since` until a publish attempt succeeded again (published or found by a reconcile),
 * or null if nothing did within `limitSeconds` (or nothing was left to publish).
 */
async function timeToResume(postIds: string[], since: Date): Promise<number | null> {
  // Past the limit it is a bad count whatever the figure: wait a little longer, then call it never.
  const deadline = Date.now() + Math.max(20, 2 * RESUME_LIMIT_SECONDS) * 1000;
  while (Date.now() < deadline) {
    const [row] = await query<{ first: Date | null }>(
      `select min(a.finished_at) as first from publish_attempts a join post_targets t on t.id = a.target_id
        where t.post_id = any($1::uuid[]) and a.outcome in ('published','reconciled') and a.finished_at > $2`,
      [postIds, since],
    );
    if (row?.first) return Math.max(0, (new Date(row.first).getTime() - since.getTime()) / 1000);
    if ((await unsettled(postIds)) === 0) return null;
    await sleep(200);
  }
  return Number.POSITIVE_INFINITY;
}

// ---------------------------------------------------------------------------------------------------
// Counting

type Row = {
  experiment: string;
  targets: number;
  publishedOnce: number;
  doubledPlatform: number;
  doubledAttempts: number;
  lost: number;
  stuck: number;
  unknown: number;
  failed: number;
  falselyFailed: number;
  reauthExpected: number;
  reauthOther: number;
  deadlocks: number;
  unplannedExits: number;
  resumeSeconds: number | null;
  seconds: number;
};

async function count(
  batch: Batch,
  revoked: string | null,
): Promise<Omit<Row, 'deadlocks' | 'unplannedExits' | 'resumeSeconds' | 'seconds'>> {
  const rows = await query<{ status: string; username: string; copies: number; wins: number }>(
    `with m(channel_id, username) as (select * from unnest($1::uuid[], $2::text[])),
     t as (
       select t.id, t.status, coalesce(t.content_override, p.content) as text,
              m.username, a.id as account_id
         from post_targets t
         join posts p on p.id = t.post_id
         join m on m.channel_id = t.channel_id
         join sandbox.accounts a on a.username = m.username
        where t.post_id = any($3::uuid[]))
     select t.status, t.username,
       (select count(*) from sandbox.posts s where s.account_id = t.account_id and s.text = t.text)::int as copies,
       (select count(*) from publish_attempts a where a.target_id = t.id and a.outcome = 'published')::int as wins
     from t`,
    [batch.channels.map((c) => c.channelId), batch.channels.map((c) => c.username), batch.postIds],
  );
  const n = (predicate: (r: (typeof rows)[number]) => boolean) => rows.filter(predicate).length;
  return {
    experiment: batch.experiment,
    targets: rows.length,
    publishedOnce: n((r) => r.status === 'published' && r.copies === 1),
    doubledPlatform: n((r) => r.copies > 1),
    doubledAttempts: n((r) => r.wins > 1),
    lost: n(
      (r) => (r.status === 'published' && r.copies === 0) || ['missed', 'cancelled'].includes(r.status),
    ),
    stuck: n((r) => ['draft', 'scheduled', 'publishing', 'retrying', 'deferred'].includes(r.status)),
    unknown: n((r) => r.status === 'unknown'),
    failed: n((r) => r.status === 'failed'),
    falselyFailed: n((r) => r.status === 'failed' && r.copies > 0),
    reauthExpected: n((r) => r.status === 'waiting_reauth' && r.username === revoked),
    reauthOther: n((r) => r.status === 'waiting_reauth' && r.username !== revoked),
  };
}

/** Targets that did not end published, grouped by account, status and their last attempt's error. */
async function whyNotPublished(batch: Batch): Promise<string[]> {
  const rows = await query<{ n: number; username: string; status: string; error: string | null }>(
    `with m(channel_id, username) as (select * from unnest($1::uuid[], $2::text[]))
     select count(*)::int as n, m.username, t.status,
       (select left(coalesce(a.error_code || ': ', '') || coalesce(a.error_message, ''), 160)
          from publish_attempts a where a.target_id = t.id order by a.started_at desc limit 1) as error
       from post_targets t join m on m.channel_id = t.channel_id
      where t.post_id = any($3::uuid[]) and t.status <> 'published'
      group by 2, 3, 4 order by 1 desc limit 12`,
    [batch.channels.map((c) => c.channelId), batch.channels.map((c) => c.username), batch.postIds],
  );
  return rows.map((r) => `${r.n} × ${r.status} on ${r.username}: ${r.error ?? '(no attempt)'}`);
}

const notes: string[] = [];

const describeResume = (seconds: number | null) =>
  seconds === null
    ? 'n/a (nothing was left to publish)'
    : Number.isFinite(seconds)
      ? `after ${seconds.toFixed(1)} s`
      : `never (nothing published within ${Math.max(20, 2 * RESUME_LIMIT_SECONDS)} s)`;

// ---------------------------------------------------------------------------------------------------
// The run

const cleanup: (() => void)[] = [];
let cleanedUp = false;
function cleanUp() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const step of cleanup.reverse()) {
    try {
      step();
    } catch (error) {
      say(`cleanup: ${(error as Error).message}`);
    }
  }
}
process.on('unhandledRejection', (error) => {
  say(`the run broke off: ${(error as Error).stack ?? String(error)}`);
  cleanUp();
  printTable(rows);
  process.exit(2);
});
process.on('SIGINT', () => {
  cleanUp();
  process.exit(130);
});
const watchdog = setTimeout(() => {
  say(`HARD STOP: the run exceeded CHAOS_MAX_MINUTES=${MAX_MINUTES}`);
  cleanUp();
  printTable(rows);
  process.exit(2);
}, MAX_MINUTES * 60_000);
watchdog.unref();

/** One row per finished experiment; printed even when the run breaks off. */
const rows: Row[] = [];

async function main(): Promise<void> {
  say(`run dir (process logs, postgres.log): ${runDir}`);
  const pgPort = await freePort();
  await createCluster(pgPort);
  cleanup.push(() => {
    try {
      pgStop('immediate');
    } catch {
      // already stopped
    }
    rmSync(pgData, { recursive: true, force: true });
  });
  say(`PostgreSQL ${path.basename(path.dirname(pgBin()))} on port ${pgPort}, data in ${pgData}`);
  const databaseUrl = `postgres://postgres@127.0.0.1:${pgPort}/postgres`;
  pool = new pg.Pool({ connectionString: databaseUrl, max: 3 });
  pool.on('error', () => {
    // An idle client lost to a restart: the pool drops it and the next query reconnects.
  });

  const apiPort = await freePort();
  const base = `http://127.0.0.1:${apiPort}`;
  heraldEnv = {
    DATABASE_URL: databaseUrl,
    HERALD_SECRET_KEY: 'chaos-secret-key-not-for-production',
    PORT: String(apiPort),
    PUBLIC_URL: base,
    HERALD_SANDBOX_URL: `${base}/sandbox`,
    LOG_LEVEL: 'info',
    // Retries after transient failures start at 2 s instead of 30 s, and a hung platform call is
    // abandoned after 3 s instead of 60 s: the same paths, in a run that ends in minutes.
    HERALD_RETRY_BASE_SECONDS: '2',
    HERALD_PLATFORM_TIMEOUT_SECONDS: '3',
    HERALD_POLL_SECONDS: '0.5',
  };
  const apiProc: Proc = {
    name: 'api',
    args: ['start', '--no-workers'],
    logFile: path.join(runDir, 'api.log'),
    child: null,
    planned: false,
    ready: false,
  };
  const workers: Proc[] = Array.from({ length: WORKERS }, (_, i) => ({
    name: `worker-${i + 1}`,
    args: ['worker', '--concurrency', String(CONCURRENCY)],
    logFile: path.join(runDir, `worker-${i + 1}.log`),
    child: null,
    planned: false,
    ready: false,
  }));
  const all = [apiProc, ...workers];
  cleanup.push(() => {
    for (const proc of all) {
      proc.planned = true;
      proc.child?.kill('SIGKILL');
    }
  });
  await startProc(apiProc, API_READY);
  await Promise.all(workers.map((w) => startProc(w, WORKER_READY)));
  say(`herald: api on ${base}, ${WORKERS} workers × concurrency ${CONCURRENCY}; logs in ${runDir}/*.log`);

  const { workspaceId, auth } = await setupHerald(base);
  const herald = { base, workspaceId, auth };
  const channels: Channel[] = [];
  for (let i = 0; i < CHANNELS; i++) {
    const username = `chaos_${runTag}_${i}`;
    const connected = await connectSandbox(
      { baseUrl: base },
      { workspaceId, member: { headers: auth }, username },
    );
    channels.push({ channelId: connected.channelId, username });
    await setKnobs(base, username, { allowDuplicates: true, latencyMs: LATENCY_MS });
  }
  say(
    `connected ${channels.length} sandbox channels (duplicates allowed, ${LATENCY_MS} ms latency per call)`,
  );

  /** Starts whatever is not running, so each experiment begins with the full set of processes. */
  const ensureRunning = async () => {
    if (!apiProc.child) await startProc(apiProc, API_READY);
    await Promise.all(workers.filter((w) => !w.child).map((w) => startProc(w, WORKER_READY)));
  };

  let revoked: string | null = null;
  let active = channels;

  const experiment = async (
    name: string,
    body: (batch: Batch) => Promise<{ resumeSeconds: number | null }>,
  ) => {
    if (!EXPERIMENTS.includes(name)) return;
    currentExperiment = 'setup';
    await ensureRunning();
    say(`${name}: creating ${TARGETS} targets on ${active.length} channels`);
    const batch = await createBatch(herald, name, active, TARGETS);
    const deadlocksBefore = deadlocksInLog();
    const exitsBefore = unplannedExits.length;
    currentExperiment = name;
    const t0 = Date.now();
    const { resumeSeconds } = await body(batch);
    say(
      `${name}: disruptions over; waiting for every target to settle (stuck after ${STALL_SECONDS} s without one, at most ${SETTLE_SECONDS} s)`,
    );
    await waitSettled(batch.postIds);
    const seconds = (Date.now() - t0) / 1000;
    const counted = await count(batch, revoked);
    rows.push({
      ...counted,
      deadlocks: deadlocksInLog() - deadlocksBefore,
      unplannedExits: unplannedExits.length - exitsBefore,
      resumeSeconds,
      seconds,
    });
    say(`${name}: done in ${seconds.toFixed(0)} s: ${JSON.stringify(rows.at(-1))}`);
    notes.push(...(await whyNotPublished(batch)).map((line) => `${name}: ${line}`));
  };

  await experiment('storm', async (batch) => {
    for (const c of batch.channels) await setKnobs(base, c.username, { latencyMs: STORM_LATENCY_MS });
    await makeDue(batch.postIds);
    const stormEnd = Date.now() + STORM_SECONDS * 1000;
    let kills = 0;
    const restarts: Promise<void>[] = [];
    while (Date.now() < stormEnd && (await unsettled(batch.postIds)) > 0) {
      await sleep(KILL_INTERVAL_MS);
      const alive = workers.filter((w) => w.child && w.ready);
      const victim = alive[Math.floor(Math.random() * alive.length)];
      if (!victim) continue;
      await killProc(victim);
      kills++;
      // A new worker starts a second later, while the storm goes on.
      restarts.push(sleep(1000).then(() => startProc(victim, WORKER_READY)));
    }
    await Promise.all(restarts);
    for (const c of batch.channels) await setKnobs(base, c.username, { latencyMs: LATENCY_MS });
    say(`storm: ${kills} workers killed with SIGKILL and started again`);
    return { resumeSeconds: null };
  });

  await experiment('faults', async (batch) => {
    const [revokedChannel, expiring, ...rest] = batch.channels;
    for (const c of rest) {
      await setKnobs(base, c.username, {
        randomFaults: { serverError: 0.2, rateLimited: 0.1, timeout: 0.05 },
        retryAfterSeconds: 2,
      });
    }
    await makeDue(batch.postIds);
    await sleep(1000);
    revoked = revokedChannel!.username;
    await setKnobs(base, revoked, { revokeTokens: true });
    say(
      `faults: revoked every token of ${revoked}; expiring ${expiring!.username}'s every ${EXPIRE_EVERY_SECONDS} s`,
    );
    // The faults last until the batch settled (the revoked account's targets wait for a person).
    const expiry = setInterval(() => {
      setKnobs(base, expiring!.username, { expireTokens: true }).catch((error: unknown) =>
        say(`faults: expiring tokens failed: ${(error as Error).message}`),
      );
    }, EXPIRE_EVERY_SECONDS * 1000);
    try {
      await waitSettled(batch.postIds);
    } finally {
      clearInterval(expiry);
    }
    for (const c of rest) await setKnobs(base, c.username, { randomFaults: null });
    // Both accounts keep what happened to them: later experiments leave them out.
    active = channels.filter((c) => c.username !== revoked && c.username !== expiring!.username);
    return { resumeSeconds: null };
  });

  await experiment('database', async (batch) => {
    // One slice of the batch per disruption, made due just before it, so each one hits work in flight.
    const slices = DB_RESTARTS + 1;
    const per = Math.ceil(batch.postIds.length / slices);
    let worst: number | null = null;
    for (let i = 0; i < slices; i++) {
      const slice = batch.postIds.slice(i * per, (i + 1) * per);
      if (!slice.length) continue;
      await makeDue(slice);
      await sleep(1000);
      if (i < DB_RESTARTS) {
        say(`database: pg_ctl restart -m fast (${i + 1}/${DB_RESTARTS})`);
        pgRestart();
      } else {
        say(`database: outage: pg_ctl stop -m fast, ${OUTAGE_SECONDS} s, start`);
        pgStop();
        await sleep(OUTAGE_SECONDS * 1000);
        pgStart();
      }
      const back = new Date();
      const resumed = await timeToResume(slice, back);
      say(`database: publishing resumed ${describeResume(resumed)}`);
      if (resumed !== null) worst = Math.max(worst ?? 0, resumed);
    }
    return { resumeSeconds: worst };
  });

  await experiment('api', async (batch) => {
    await makeDue(batch.postIds);
    await sleep(1500);
    say('api: kill -9 herald start --no-workers (the sandbox goes with it)');
    await killProc(apiProc);
    await sleep(2000);
    await startProc(apiProc, API_READY);
    const back = new Date();
    const resumed = await timeToResume(batch.postIds, back);
    say(`api: publishing resumed ${describeResume(resumed)}`);
    return { resumeSeconds: resumed };
  });

  currentExperiment = 'teardown';
  for (const proc of all) await killProc(proc);
  await pool.end();
}

function printTable(rows: Row[]) {
  const resume = (r: Row) =>
    r.resumeSeconds === null ? '-' : Number.isFinite(r.resumeSeconds) ? r.resumeSeconds.toFixed(1) : 'never';
  const table = [
    [
      'experiment',
      'targets',
      'published once',
      'doubled (platform)',
      'doubled (attempts)',
      'lost',
      'stuck',
      'unknown',
      'failed',
      'falsely failed',
      'reauth (revoked)',
      'reauth (other)',
      'deadlocks',
      'unplanned exits',
      'resume s',
      'seconds',
    ],
    ...rows.map((r) => [
      r.experiment,
      String(r.targets),
      String(r.publishedOnce),
      String(r.doubledPlatform),
      String(r.doubledAttempts),
      String(r.lost),
      String(r.stuck),
      String(r.unknown),
      String(r.failed),
      String(r.falselyFailed),
      String(r.reauthExpected),
      String(r.reauthOther),
      String(r.deadlocks),
      String(r.unplannedExits),
      resume(r),
      r.seconds.toFixed(0),
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  console.log(
    `\nHerald chaos run: ${WORKERS} workers × concurrency ${CONCURRENCY}, ${CHANNELS} sandbox channels, ` +
      `${TARGETS} targets per experiment, ${os.cpus().length} cores\n`,
  );
  for (const [i, row] of table.entries()) {
    console.log(
      row.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  '),
    );
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  for (const exit of unplannedExits) {
    console.log(
      `unplanned exit during ${exit.experiment}: ${exit.name} (code ${exit.code}, signal ${exit.signal})`,
    );
  }
  if (notes.length) console.log('\ntargets not published (last attempt):');
  for (const note of notes) console.log(`  ${note}`);
  console.log(`\nprocess logs and postgres.log: ${runDir}`);
}

const bad = (r: Row) =>
  r.doubledPlatform +
    r.doubledAttempts +
    r.lost +
    r.stuck +
    r.falselyFailed +
    r.reauthOther +
    r.deadlocks +
    r.unplannedExits >
    0 ||
  (r.resumeSeconds !== null && r.resumeSeconds > RESUME_LIMIT_SECONDS);

let code = 0;
try {
  await main();
} catch (error) {
  say(`the run broke off: ${(error as Error).stack ?? String(error)}`);
  code = 2;
} finally {
  cleanUp();
}
printTable(rows);
if (code === 0 && (rows.some(bad) || unplannedExits.length > 0)) code = 1;
console.log(
  code === 0 ? 'no bad counts' : code === 1 ? 'BAD COUNTS: see the table above' : 'the run did not finish',
);
process.exit(code);
