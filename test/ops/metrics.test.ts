/**
 * `/metrics`: off without a token, refused with a wrong one, Prometheus text that parses, and
 * counters that move when a post publishes (read from the attempt log, so any worker's work counts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../../src/features/publishing/start-workers.ts';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { connectSandbox, waitForPost } from '../support/publishing.ts';

const TOKEN = 'metrics-token-for-the-tests';

/** A minimal Prometheus text-format parser: every sample line must be `name{labels} value`. */
function parseSamples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const samples = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) {
      expect(line === '' || /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* /.test(line), line).toBe(true);
      continue;
    }
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    expect(match, `not a Prometheus sample: ${line}`).not.toBeNull();
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match![2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[key!] = value!;
    samples.push({ name: match![1]!, labels, value: Number(match![3]) });
  }
  return samples;
}

describe('GET /metrics', () => {
  let herald: TestHerald;
  let team: Team;

  beforeAll(async () => {
    herald = await startHerald({ env: { HERALD_METRICS_TOKEN: TOKEN, HERALD_POLL_SECONDS: '0.5' } });
    await herald.listen();
    await startWorkers(herald.deps, { concurrency: 2 });
    team = await newTeam(herald);
  });
  afterAll(async () => herald?.close());

  const scrape = (token?: string) =>
    herald.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  it('is off when no token is configured', async () => {
    const plain = await startHerald();
    try {
      // Nothing answers /metrics (the web app's fallback may): no Prometheus text at all.
      const res = await plain.app.inject({ method: 'GET', url: '/metrics' });
      expect(res.body).not.toContain('# TYPE');
      expect(res.body).not.toContain('herald_');
    } finally {
      await plain.close();
    }
  });

  it('refuses a scrape without the token, in the error shape', async () => {
    for (const token of [undefined, 'wrong-token-wrong-token']) {
      const res = await scrape(token);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthenticated');
      expect(res.body).not.toContain('herald_');
    }
  });

  it('answers Prometheus text whose publish counter and lateness histogram move when a post publishes', async () => {
    const before = parseSamples((await scrape(TOKEN)).body);
    const published = (samples: typeof before) =>
      samples
        .filter(
          (s) =>
            s.name === 'herald_publish_attempts_total' &&
            s.labels.platform === 'sandbox' &&
            s.labels.outcome === 'published',
        )
        .reduce((sum, s) => sum + s.value, 0);
    const latenessCount = (samples: typeof before) =>
      samples.find((s) => s.name === 'herald_publish_lateness_seconds_count')?.value ?? 0;
    expect(published(before)).toBe(0);

    const channel = await connectSandbox(herald, {
      workspaceId: team.workspace.id,
      member: team.user,
      username: 'metrics',
    });
    const res = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${team.workspace.id}/posts`,
      headers: team.user.headers,
      payload: { content: 'counted by /metrics', channelIds: [channel.channelId], publishNow: true },
    });
    expect(res.statusCode, res.body).toBe(201);
    await waitForPost(herald, {
      workspaceId: team.workspace.id,
      member: team.user,
      postId: res.json().id,
      statuses: ['published'],
    });

    const scraped = await scrape(TOKEN);
    expect(scraped.statusCode).toBe(200);
    expect(scraped.headers['content-type']).toContain('text/plain');
    const after = parseSamples(scraped.body);
    expect(published(after)).toBe(1);
    expect(latenessCount(after)).toBe(latenessCount(before) + 1);
    const infBucket = after.find(
      (s) => s.name === 'herald_publish_lateness_seconds_bucket' && s.labels.le === '+Inf',
    );
    expect(infBucket?.value).toBe(latenessCount(after));
    expect(after.find((s) => s.name === 'herald_targets' && s.labels.status === 'published')?.value).toBe(1);
    expect(
      after.find(
        (s) =>
          s.name === 'herald_connections' && s.labels.platform === 'sandbox' && s.labels.status === 'active',
      )?.value,
    ).toBe(1);
    expect(after.some((s) => s.name === 'herald_queue_jobs')).toBe(true);
    expect(
      after.some(
        (s) =>
          s.name === 'herald_http_request_duration_seconds_count' &&
          s.labels.route === '/api/workspaces/:workspaceId/posts' &&
          s.labels.method === 'POST',
      ),
    ).toBe(true);
  });
});
