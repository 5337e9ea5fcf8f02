import type { Deps } from '../../deps.ts';
import type { Routes } from '../../http/plugin.ts';
import { errorReplies, workspaceParams } from '../../http/schemas.ts';
import { getDashboardStats } from './get-dashboard-stats.ts';
import { dashboardStatsReply, statsQuery } from './stats.schemas.ts';

export function statsRoutes(deps: Deps): Routes {
  return async (app) => {
    app.get(
      '/stats',
      {
        schema: {
          tags: ['stats'],
          summary: 'Dashboard numbers: posts, targets needing attention, connection health, per platform',
          params: workspaceParams,
          querystring: statsQuery,
          response: { 200: dashboardStatsReply, ...errorReplies },
        },
        config: { access: 'read' },
      },
      async (request) =>
        getDashboardStats(deps, { workspaceId: request.params.workspaceId, timeZone: request.query.tz }),
    );
  };
}
