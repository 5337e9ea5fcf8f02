/**
 * `GET /metrics` in Prometheus text format. Off unless `HERALD_METRICS_TOKEN` is set, and then only
 * for a scraper that sends it as a bearer token: the figures name platforms and volumes, nothing a
 * public page should show.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import type { App } from '../../http/app.ts';
import { createMetrics } from './collect-metrics.ts';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Installed on the root app (not as an encapsulated plugin) so its latency hook sees every route. */
export function installMetrics(app: App, deps: Deps): void {
  const token = deps.config.metricsToken;
  if (!token) return;
  const metrics = createMetrics(deps);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    if (!route || route === '/metrics') return;
    metrics.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['system'],
        summary: 'Prometheus metrics (needs HERALD_METRICS_TOKEN as a bearer token)',
        security: [{ bearer: [] }],
      },
    },
    async (request, reply) => {
      const header = request.headers.authorization ?? '';
      const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
      if (!sameSecret(given, token))
        throw new AppError('unauthenticated', 'send the metrics token as `Authorization: Bearer <token>`');
      return reply
        .header('content-type', metrics.registry.contentType)
        .send(await metrics.registry.metrics());
    },
  );
}
