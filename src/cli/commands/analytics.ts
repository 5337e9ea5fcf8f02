/**
 * The seed's analytics commands: `herald track <url>`, `herald check [--all]`, `herald list` and
 * `herald analytics <post>`, over the same use-cases as the HTTP API.
 */
import type { Command } from 'commander';
import { and, eq, sql } from 'drizzle-orm';
import { rowsOf } from '../../db/client.ts';
import { trackedPosts } from '../../db/schema.ts';
import { getPostMetrics } from '../../features/analytics/get-post-metrics.ts';
import { listTrackedPosts } from '../../features/analytics/list-tracked-posts.ts';
import { type CheckResult, runCheck } from '../../features/analytics/run-check.ts';
import { trackUrl } from '../../features/analytics/track-url.ts';
import { findWorkspace } from '../../features/auth/find-workspace.ts';
import { invalidField } from '../../errors.ts';
import { printObject, printRows } from '../output.ts';
import { withDeps } from '../with-deps.ts';

type Json = { json?: boolean };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const rate = (r: { rate: number; denominator: string } | null) =>
  r ? `${(r.rate * 100).toFixed(2)}% of ${r.denominator}` : null;

export function registerAnalyticsCommands(program: Command): void {
  program
    .command('track <url>')
    .description("track a post published outside Herald by its URL on one of the workspace's channels")
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--channel <id>', 'only try this channel')
    .option('--json', 'print JSON')
    .action((url: string, options: Json & { workspace: string; channel?: string }) =>
      withDeps(async (deps) => {
        const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
        const tracked = await trackUrl(deps, { workspaceId: workspace.id, url, channelId: options.channel });
        printObject(tracked, options);
      }),
    );

  program
    .command('check')
    .description('run the metrics checks that are due now (--all: take a snapshot of every tracked post)')
    .option('--workspace <id|slug>', 'only this workspace')
    .option('--all', 'every tracked post still followed, due or not', false)
    .option('--json', 'print JSON')
    .action((options: Json & { workspace?: string; all: boolean }) =>
      withDeps(async (deps) => {
        const workspaceId = options.workspace
          ? (await findWorkspace(deps, { idOrSlug: options.workspace })).id
          : null;
        // Seed 002's view: the tracked posts whose next check is due.
        const due = new Set(
          rowsOf<{ id: string }>(
            await deps.db.execute(
              sql`select id from posts_pending_checkback ${workspaceId ? sql`where workspace_id = ${workspaceId}` : sql``}`,
            ),
          ).map((r) => r.id),
        );
        const ids = options.all
          ? (
              await deps.db
                .select({ id: trackedPosts.id })
                .from(trackedPosts)
                .where(
                  and(
                    eq(trackedPosts.trackingComplete, false),
                    workspaceId ? eq(trackedPosts.workspaceId, workspaceId) : undefined,
                  ),
                )
            ).map((r) => r.id)
          : [...due];
        const results: ({ trackedPostId: string } & CheckResult)[] = [];
        for (const trackedPostId of ids) {
          // A check not yet due is taken as an extra snapshot: the schedule stays as it is.
          const kind = due.has(trackedPostId) ? 'scheduled' : 'manual';
          const result = await runCheck(deps, { trackedPostId, kind }).catch(
            (error: unknown): CheckResult => ({
              status: 'retry',
              at: null,
              message: (error as Error).message,
            }),
          );
          results.push({ trackedPostId, ...result });
        }
        printRows(results, options);
      }),
    );

  program
    .command('list')
    .description('tracked posts with their latest figures and next check')
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--json', 'print JSON')
    .action((options: Json & { workspace: string }) =>
      withDeps(async (deps) => {
        const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
        const items = await listTrackedPosts(deps, { workspaceId: workspace.id, limit: 200 });
        if (options.json) return printRows(items, options);
        printRows(
          items.map((t) => ({
            id: t.id,
            channel: t.channelName,
            publishedAt: t.publishedAt,
            impressions: t.latest.impressions,
            engagement: t.latest.engagement,
            rate: rate(t.latest.engagementRate),
            checks: `${t.checksCompleted}/${t.schedule.length}`,
            next: t.trackingComplete ? (t.stopReason ?? 'complete') : t.nextCheckAt,
          })),
          options,
        );
      }),
    );

  program
    .command('analytics <post>')
    .description("a post's snapshots as a table (a Herald post id or a tracked post id)")
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--json', 'print JSON')
    .action((post: string, options: Json & { workspace: string }) =>
      withDeps(async (deps) => {
        if (!UUID.test(post)) throw invalidField('post', 'must be a post id or a tracked post id (a UUID)');
        const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
        const metrics = await getPostMetrics(deps, { workspaceId: workspace.id, postId: post });
        if (options.json) return printObject(metrics, options);
        for (const t of metrics.tracked) {
          process.stdout.write(`${t.platform} ${t.remoteUrl ?? t.remoteId}\n`);
          printRows(
            t.snapshots.map((s) => ({
              takenAt: s.takenAt,
              kind: s.kind,
              impressions: s.impressions,
              likes: s.likes,
              comments: s.comments,
              shares: s.shares,
              saves: s.saves,
              rate: rate(s.engagementRate),
            })),
            options,
          );
        }
        if (!metrics.tracked.length) process.stdout.write('(not tracked)\n');
      }),
    );
}
