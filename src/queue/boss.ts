/**
 * The job engine: pg-boss on the same database as everything else, so a job can be created in the
 * transaction that creates the rows needing it (`jobDb(tx)`).
 */
import { sql } from 'drizzle-orm';
import { fromDrizzle, fromPglite, PgBoss } from 'pg-boss';
import type { DatabaseHandle, Queryable } from '../db/client.ts';

export const queues = {
  /** One job per target publish run. */
  publish: 'publish-target',
  /** Refresh one connection's tokens; serialised per connection by singletonKey. */
  refreshConnection: 'refresh-connection',
  /** Periodic sweep that finds tokens about to expire. */
  refreshSweep: 'refresh-sweep',
  /** One job per tracked post's next metrics check (below publishing: its own, smaller worker). */
  metricsCheck: 'metrics-check',
  /** Daily read of every channel's account figures. */
  channelStats: 'channel-stats',
  /** Content pipeline: one source's collection run, serialised per source by singletonKey. */
  collectSource: 'collect-source',
  /** Content pipeline: enrich one source item with AI. */
  enrichItem: 'enrich-item',
  /** Content pipeline: remove one target of a takedown from its platform. */
  takedownTarget: 'takedown-target',
  /** Content pipeline: periodic sweep for due sources, budget resets and due takedowns. */
  pipelineSweep: 'pipeline-sweep',
} as const;

export type Queue = PgBoss;

export function createQueue(
  handle: DatabaseHandle,
  options: { schema?: string; monitorSeconds?: number } = {},
): PgBoss {
  const schema = options.schema ?? 'pgboss';
  // The monitor is what notices a dead worker's job (heartbeat lost) and hands it to another worker.
  const monitor = {
    monitorIntervalSeconds: options.monitorSeconds ?? 15,
    superviseIntervalSeconds: options.monitorSeconds ?? 15,
  };
  if (handle.kind === 'pglite') {
    return new PgBoss({ db: fromPglite(handle.pglite!), backend: 'pglite', schema, ...monitor });
  }
  // pg-boss gets its own small pool from the app's pool so job fetches never starve requests.
  const { connectionString, max } = handle.pool!.options as { connectionString: string; max: number };
  return new PgBoss({
    connectionString,
    max: Math.max(2, Math.ceil(max / 2)),
    schema,
    useListenNotify: true,
    ...monitor,
  });
}

/** pg-boss's view of an open Drizzle transaction, for `send(..., { db: jobDb(tx) })`. */
export const jobDb = (tx: Queryable) => fromDrizzle(tx as never, sql as never);

/** Creates the queues Herald uses (idempotent). */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  const existing = new Set((await boss.getQueues()).map((q) => q.name));
  const wanted: [string, Parameters<PgBoss['createQueue']>[1]][] = [
    // Retries here cover a worker that died mid-run (heartbeat lost); publish outcomes and their
    // retries are decided by Herald itself, see src/features/publishing/run-publish-job.ts.
    [
      queues.publish,
      { retryLimit: 20, retryDelay: 5, heartbeatSeconds: 10, expireInSeconds: 600, notify: true },
    ],
    [queues.refreshConnection, { policy: 'singleton', retryLimit: 3, retryDelay: 30, retryBackoff: true }],
    [queues.refreshSweep, { policy: 'singleton', retryLimit: 0 }],
    [queues.metricsCheck, { retryLimit: 5, retryDelay: 60, heartbeatSeconds: 30, expireInSeconds: 300 }],
    [queues.channelStats, { policy: 'singleton', retryLimit: 2, retryDelay: 300 }],
    [queues.collectSource, { policy: 'singleton', retryLimit: 0 }],
    [queues.enrichItem, { retryLimit: 3, retryDelay: 30, retryBackoff: true }],
    [queues.takedownTarget, { retryLimit: 5, retryDelay: 30, retryBackoff: true }],
    [queues.pipelineSweep, { policy: 'singleton', retryLimit: 0 }],
  ];
  for (const [name, options] of wanted) {
    if (!existing.has(name)) await boss.createQueue(name, options);
    // pg-boss caches queues it saw at start; a queue created after that is looked up on first use
    // through its own connection. Inside an application transaction on PGlite (one connection) that
    // lookup would wait for the transaction that waits for it: warm the cache now, outside any.
    await boss.findJobs(name, { id: '00000000-0000-0000-0000-000000000000' });
  }
}
