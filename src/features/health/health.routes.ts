import { sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client.ts';
import { readMigrations } from '../../db/migrate.ts';
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import type { Routes } from '../../http/plugin.ts';
import { version } from '../../http/version.ts';
import { backupStatus } from '../backups/backup-jobs.ts';
import { backupStatusView } from '../backups/backups.routes.ts';

const healthReply = z.object({
  status: z.enum(['ok', 'degraded']),
  database: z.object({ kind: z.enum(['pglite', 'postgres']), reachable: z.boolean() }),
  version: z.string(),
  /** Only for instance admins: the last backup and restore test, and what needs attention. */
  backups: backupStatusView.optional(),
});

const readyReply = z.object({
  ready: z.boolean(),
  database: z.object({ kind: z.enum(['pglite', 'postgres']), reachable: z.boolean() }),
  migrations: z.object({
    current: z.boolean(),
    /** Migrations this version of Herald has that the database has not applied. */
    pending: z.array(z.string()),
    /** Applied migrations whose file changed since (a sign of a hand-edited migration). */
    changed: z.array(z.string()),
  }),
});

export function healthRoutes(deps: Deps): Routes {
  // The migration files don't change while Herald runs: read and hash them once.
  const known = readMigrations();
  return async (app) => {
    app.get(
      '/api/ready',
      {
        schema: {
          tags: ['system'],
          summary: 'Readiness: the database is reachable and its migrations are current',
          description:
            'For orchestrators and load balancers: 200 when this process can serve, 503 with the reason otherwise. `/api/health` stays the cheap liveness answer.',
          response: { 200: readyReply, 503: readyReply },
        },
      },
      async (_request, reply) => {
        const applied = await deps.db.execute(sql`select tag, hash from herald_migrations`).then(
          (result) => new Map(rowsOf<{ tag: string; hash: string }>(result).map((r) => [r.tag, r.hash])),
          () => null,
        );
        const pending = applied ? known.filter((m) => !applied.has(m.tag)).map((m) => m.tag) : [];
        const changed = applied
          ? known.filter((m) => applied.has(m.tag) && applied.get(m.tag) !== m.hash).map((m) => m.tag)
          : [];
        const current = applied !== null && pending.length === 0 && changed.length === 0;
        return reply.status(current ? 200 : 503).send({
          ready: current,
          database: { kind: deps.database.kind, reachable: applied !== null },
          migrations: { current, pending, changed },
        });
      },
    );
    app.get(
      '/api/health',
      {
        schema: {
          tags: ['system'],
          summary: 'Liveness and database status',
          response: { 200: healthReply, 503: healthReply },
        },
      },
      async (request, reply) => {
        const reachable = await deps.db.execute(sql`select 1`).then(
          () => true,
          () => false,
        );
        const backups =
          reachable && request.auth?.isInstanceAdmin
            ? await backupStatus(deps).catch(() => undefined)
            : undefined;
        return reply.status(reachable ? 200 : 503).send({
          status: reachable ? 'ok' : 'degraded',
          database: { kind: deps.database.kind, reachable },
          version,
          ...(backups ? { backups } : {}),
        });
      },
    );
  };
}
