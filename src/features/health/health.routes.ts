import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import type { Routes } from '../../http/plugin.ts';
import { version } from '../../http/version.ts';

const healthReply = z.object({
  status: z.enum(['ok', 'degraded']),
  database: z.object({ kind: z.enum(['pglite', 'postgres']), reachable: z.boolean() }),
  version: z.string(),
});

export function healthRoutes(deps: Deps): Routes {
  return async (app) => {
    app.get(
      '/api/health',
      {
        schema: {
          tags: ['system'],
          summary: 'Liveness and database status',
          response: { 200: healthReply, 503: healthReply },
        },
      },
      async (_request, reply) => {
        const reachable = await deps.db.execute(sql`select 1`).then(
          () => true,
          () => false,
        );
        return reply.status(reachable ? 200 : 503).send({
          status: reachable ? 'ok' : 'degraded',
          database: { kind: deps.database.kind, reachable },
          version,
        });
      },
    );
  };
}
