/**
 * Herald's Prometheus metrics. Publishing happens in every worker process, and `herald worker` serves
 * no HTTP, so what workers did is read from the database at scrape time (the attempt log, the queue,
 * the connections) rather than counted in one process's memory: any API process answers for the
 * whole deployment. Only HTTP latency is this process's own.
 */
import { sql } from 'drizzle-orm';
import { Counter, Gauge, Histogram, type Metric, Registry } from 'prom-client';
import { rowsOf } from '../../db/client.ts';
import type { Deps } from '../../deps.ts';

/** Lateness buckets in seconds: on time is well under a second; a backlog is minutes. */
export const LATENESS_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
/** Tokens expiring within this many hours count as "expiring soon". */
const EXPIRING_SOON_HOURS = 24;

type Row = Record<string, string | number | null>;

/**
 * A histogram whose buckets come from one SQL query instead of in-process observations: prom-client's
 * own Histogram only counts what this process saw.
 */
function databaseHistogram(options: {
  name: string;
  help: string;
  buckets: number[];
  read: () => Promise<{ le: number[]; count: number; sum: number }>;
}): Metric {
  return {
    name: options.name,
    help: options.help,
    type: 'histogram',
    async get() {
      const { le, count, sum } = await options.read();
      return {
        name: options.name,
        help: options.help,
        type: 'histogram',
        aggregator: 'sum',
        values: [
          ...options.buckets.map((bucket, i) => ({
            metricName: `${options.name}_bucket`,
            labels: { le: bucket },
            value: le[i] ?? 0,
          })),
          { metricName: `${options.name}_bucket`, labels: { le: '+Inf' }, value: count },
          { metricName: `${options.name}_sum`, labels: {}, value: sum },
          { metricName: `${options.name}_count`, labels: {}, value: count },
        ],
      };
    },
    reset() {},
  } as unknown as Metric;
}

export type HeraldMetrics = {
  registry: Registry;
  /** HTTP request latency by route, observed by this process. */
  httpDuration: Histogram<'method' | 'route' | 'status'>;
};

export function createMetrics(deps: Deps): HeraldMetrics {
  const registry = new Registry();
  const rows = async (query: ReturnType<typeof sql>) => rowsOf<Row>(await deps.db.execute(query));

  new Counter({
    name: 'herald_publish_attempts_total',
    help: 'Publish attempts by platform, outcome and error code (from the attempt log, all workers)',
    labelNames: ['platform', 'outcome', 'error_code'],
    registers: [registry],
    async collect() {
      this.reset();
      const result = await rows(sql`
        select t.platform, a.outcome, coalesce(a.error_code, '') as error_code, count(*)::int as n
        from publish_attempts a join post_targets t on t.id = a.target_id
        group by 1, 2, 3`);
      for (const r of result)
        this.inc(
          { platform: String(r.platform), outcome: String(r.outcome), error_code: String(r.error_code) },
          Number(r.n),
        );
    },
  });

  new Counter({
    name: 'herald_rate_limit_deferrals_total',
    help: "Runs deferred to a platform's rate-limit reset, by platform (no attempt spent)",
    labelNames: ['platform'],
    registers: [registry],
    async collect() {
      this.reset();
      const result = await rows(sql`
        select t.platform, count(*)::int as n
        from publish_attempts a join post_targets t on t.id = a.target_id
        where a.outcome = 'rate_limited' group by 1`);
      for (const r of result) this.inc({ platform: String(r.platform) }, Number(r.n));
    },
  });

  registry.registerMetric(
    databaseHistogram({
      name: 'herald_publish_lateness_seconds',
      help: "How late a target's first attempt started after its scheduled time (start − scheduled)",
      buckets: LATENESS_BUCKETS,
      async read() {
        const filters = LATENESS_BUCKETS.map((b) => sql`count(*) filter (where lateness <= ${b})::int`);
        const [r] = await rows(sql`
          with firsts as (
            select greatest(0, extract(epoch from a.started_at - t.scheduled_at)) as lateness
            from publish_attempts a join post_targets t on t.id = a.target_id
            where a.attempt_number = 1 and t.scheduled_at is not null
          )
          select ${sql.join(filters, sql`, `)}, count(*)::int as count, coalesce(sum(lateness), 0)::float8 as sum
          from firsts`);
        const values = Object.values(r ?? {}).map(Number);
        return {
          le: values.slice(0, LATENESS_BUCKETS.length),
          count: values.at(-2) ?? 0,
          sum: values.at(-1) ?? 0,
        };
      },
    }),
  );

  new Histogram({
    name: 'herald_platform_call_duration_seconds',
    help: 'How long publish attempts took on the platform, by platform (finished attempts of the last hour)',
    labelNames: ['platform'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
    async collect() {
      this.reset();
      const result = await rows(sql`
        select t.platform, a.duration_ms
        from publish_attempts a join post_targets t on t.id = a.target_id
        where a.duration_ms is not null and a.finished_at > now() - interval '1 hour'
        limit 50000`);
      for (const r of result) this.observe({ platform: String(r.platform) }, Number(r.duration_ms) / 1000);
    },
  });

  new Gauge({
    name: 'herald_targets',
    help: 'Post targets by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await rows(sql`select status, count(*)::int as n from post_targets group by 1`))
        this.set({ status: String(r.status) }, Number(r.n));
    },
  });

  new Gauge({
    name: 'herald_queue_jobs',
    help: 'Jobs in the queue by queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      const result = await rows(
        sql`select name as queue, state::text as state, count(*)::int as n from pgboss.job group by 1, 2`,
      ).catch(() => []);
      for (const r of result) this.set({ queue: String(r.queue), state: String(r.state) }, Number(r.n));
    },
  });

  new Gauge({
    name: 'herald_connections',
    help: 'Platform connections by platform, status and health',
    labelNames: ['platform', 'status', 'health'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await rows(
        sql`select platform, status, health, count(*)::int as n from connections group by 1, 2, 3`,
      ))
        this.set(
          { platform: String(r.platform), status: String(r.status), health: String(r.health) },
          Number(r.n),
        );
    },
  });

  new Gauge({
    name: 'herald_tokens_expiring_soon',
    help: `Active connections whose access token expires within ${EXPIRING_SOON_HOURS} hours and has no refresh token to renew it`,
    labelNames: ['platform'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await rows(sql`
        select platform, count(*)::int as n from connections
        where status = 'active' and refresh_token is null and token_expires_at is not null
          and token_expires_at < now() + make_interval(hours => ${EXPIRING_SOON_HOURS})
        group by 1`))
        this.set({ platform: String(r.platform) }, Number(r.n));
    },
  });

  const httpDuration = new Histogram({
    name: 'herald_http_request_duration_seconds',
    help: "HTTP request latency by route (this process's requests)",
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });

  return { registry, httpDuration };
}
