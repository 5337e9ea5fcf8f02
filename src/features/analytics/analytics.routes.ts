/**
 * Analytics: post metrics and check-backs, tracked posts, the overview, top posts, best times, CSV
 * export, channel stats and the workspace's check-back settings. Viewers read; users and admins change.
 */
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { requireAuth } from '../../http/auth.ts';
import type { Routes } from '../../http/plugin.ts';
import { errorReplies, workspaceParams } from '../../http/schemas.ts';
import { getAnalyticsSettings } from './analytics-settings.ts';
import {
  bestTimesQuery,
  bestTimesReply,
  channelParams,
  channelStatsReply,
  checkBackSettings,
  checkBackSettingsBody,
  exportQuery,
  overviewQuery,
  overviewReply,
  postMetricsReply,
  postParams,
  rangeQuery,
  topPostsQuery,
  topPostsReply,
  trackBody,
  trackedListQuery,
  trackedListReply,
  trackedParams,
} from './analytics.schemas.ts';
import { exportCsv } from './export-csv.ts';
import { getBestTimes } from './get-best-times.ts';
import { getChannelStats } from './get-channel-stats.ts';
import { getOverview } from './get-overview.ts';
import { getPostMetrics, refreshPostMetrics } from './get-post-metrics.ts';
import { getTopPosts } from './get-top-posts.ts';
import { listTrackedPosts, untrackPost } from './list-tracked-posts.ts';
import { trackUrl } from './track-url.ts';
import { settingsView, updateCheckBackSettings } from './update-check-back-settings.ts';

const tags = ['analytics'];

export function analyticsRoutes(deps: Deps): Routes {
  return async (app) => {
    app.get(
      '/posts/:postId/metrics',
      {
        schema: {
          tags,
          operationId: 'getPostMetrics',
          summary: "A post's metric snapshots and check-back schedule, per published target",
          params: postParams,
          response: { 200: postMetricsReply, ...errorReplies },
        },
      },
      async (request) =>
        getPostMetrics(deps, { workspaceId: request.params.workspaceId, postId: request.params.postId }),
    );

    app.post(
      '/posts/:postId/metrics/refresh',
      {
        schema: {
          tags,
          operationId: 'refreshPostMetrics',
          summary:
            'Take a snapshot of the post now (same rules as a scheduled check; the schedule does not move)',
          params: postParams,
          response: {
            200: postMetricsReply,
            ...errorReplies,
            429: errorReplies[409],
            503: errorReplies[409],
          },
        },
      },
      async (request) =>
        refreshPostMetrics(deps, { workspaceId: request.params.workspaceId, postId: request.params.postId }),
    );

    app.get(
      '/analytics/overview',
      {
        schema: {
          tags,
          operationId: 'getAnalyticsOverview',
          summary:
            'What was gained per period (hour/day/week/month of the workspace calendar), with totals vs the previous period',
          params: workspaceParams,
          querystring: overviewQuery,
          response: { 200: overviewReply, ...errorReplies },
        },
      },
      async (request) => getOverview(deps, { workspaceId: request.params.workspaceId, ...request.query }),
    );

    app.get(
      '/analytics/top-posts',
      {
        schema: {
          tags,
          operationId: 'getTopPosts',
          summary: 'The best posts published in a range',
          params: workspaceParams,
          querystring: topPostsQuery,
          response: { 200: topPostsReply, ...errorReplies },
        },
      },
      async (request) => ({
        items: await getTopPosts(deps, { workspaceId: request.params.workspaceId, ...request.query }),
      }),
    );

    app.get(
      '/analytics/best-times',
      {
        schema: {
          tags,
          operationId: 'getBestTimes',
          summary: 'Median engagement rate by weekday and hour of publishing, and the next best free slot',
          params: workspaceParams,
          querystring: bestTimesQuery,
          response: { 200: bestTimesReply, ...errorReplies },
        },
      },
      async (request) => getBestTimes(deps, { workspaceId: request.params.workspaceId, ...request.query }),
    );

    app.get(
      '/analytics/export.csv',
      {
        schema: {
          tags,
          operationId: 'exportAnalyticsCsv',
          summary: 'CSV of post metrics or channel daily stats for a range',
          params: workspaceParams,
          querystring: exportQuery,
          response: { 200: z.string().describe('text/csv'), ...errorReplies },
        },
      },
      async (request, reply) => {
        const body = await exportCsv(deps, { workspaceId: request.params.workspaceId, ...request.query });
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="herald-${request.query.kind}.csv"`)
          .send(body);
      },
    );

    app.get(
      '/channels/:channelId/stats',
      {
        schema: {
          tags,
          operationId: 'getChannelStats',
          summary: "A channel's daily followers, following, posts and views over a range",
          params: channelParams,
          querystring: rangeQuery,
          response: { 200: channelStatsReply, ...errorReplies },
        },
      },
      async (request) => getChannelStats(deps, { ...request.params, ...request.query }),
    );

    app.post(
      '/tracked-posts',
      {
        schema: {
          tags,
          operationId: 'trackPostByUrl',
          summary: "Track a post published outside Herald by its URL on one of the workspace's channels",
          params: workspaceParams,
          body: trackBody,
          response: {
            201: z.object({ trackedPostId: z.uuid(), channelId: z.uuid(), remoteId: z.string() }),
            ...errorReplies,
          },
        },
      },
      async (request, reply) =>
        reply.status(201).send(
          await trackUrl(deps, {
            workspaceId: request.params.workspaceId,
            userId: requireAuth(request).userId,
            ...request.body,
          }),
        ),
    );

    app.get(
      '/tracked-posts',
      {
        schema: {
          tags,
          operationId: 'listTrackedPosts',
          summary: 'Tracked posts with their latest figures and next check, newest first',
          params: workspaceParams,
          querystring: trackedListQuery,
          response: { 200: trackedListReply, ...errorReplies },
        },
      },
      async (request) => ({
        items: await listTrackedPosts(deps, { workspaceId: request.params.workspaceId, ...request.query }),
      }),
    );

    app.delete(
      '/tracked-posts/:trackedPostId',
      {
        schema: {
          tags,
          operationId: 'untrackPost',
          summary: 'Stop checking a tracked post (its snapshots stay)',
          params: trackedParams,
          response: { 204: z.null(), ...errorReplies },
        },
      },
      async (request, reply) => {
        await untrackPost(deps, request.params);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/settings/check-backs',
      {
        schema: {
          tags,
          operationId: 'getCheckBackSettings',
          summary: "The workspace's check-back schedule and analytics calendar",
          params: workspaceParams,
          response: { 200: checkBackSettings, ...errorReplies },
        },
      },
      async (request) => settingsView(await getAnalyticsSettings(deps.db, request.params.workspaceId)),
    );

    app.put(
      '/settings/check-backs',
      {
        schema: {
          tags,
          operationId: 'updateCheckBackSettings',
          summary: 'Set the check-back schedule (posts tracked from now on) and the analytics calendar',
          params: workspaceParams,
          body: checkBackSettingsBody,
          response: { 200: checkBackSettings, ...errorReplies },
        },
      },
      async (request) =>
        updateCheckBackSettings(deps, { workspaceId: request.params.workspaceId, ...request.body }),
    );
  };
}
