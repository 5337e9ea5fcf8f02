/**
 * The content pipeline from the command line: `herald source add|list|collect`, `herald items
 * list|show|approve|reject`, `herald ai usage`, `herald takedown <post> --reason …`, each over the
 * same use-cases as the HTTP API, each with `--json`.
 */
import type { Command } from 'commander';
import { getAiUsage } from '../../features/ai/get-ai-usage.ts';
import { findWorkspace } from '../../features/auth/find-workspace.ts';
import { approveItem, rejectItem } from '../../features/pipeline/approve-item.ts';
import { getItem, listItems } from '../../features/pipeline/list-items.ts';
import { itemsQuery } from '../../features/pipeline/pipeline.schemas.ts';
import { collectSource } from '../../features/sources/collect-source.ts';
import { listSources } from '../../features/sources/get-source.ts';
import { createSource } from '../../features/sources/manage-sources.ts';
import { sourceInput } from '../../features/sources/sources.schemas.ts';
import { requestTakedown } from '../../features/takedowns/request-takedown.ts';
import { printObject, printRows } from '../output.ts';
import { collect, parseInput } from '../parse-input.ts';
import { withDeps } from '../with-deps.ts';

type Json = { json?: boolean };
type Ws = Json & { workspace: string };

/** `--config '{"subreddit":"selfhosted"}'` or the common options as flags. */
function sourceConfig(options: {
  kind: string;
  url?: string;
  subreddit?: string;
  username?: string;
  config?: string;
}) {
  if (options.config) {
    try {
      return JSON.parse(options.config) as Record<string, unknown>;
    } catch {
      return { invalid: options.config };
    }
  }
  if (options.kind === 'rss') return { url: options.url };
  if (options.kind === 'reddit') return { subreddit: options.subreddit };
  return { username: options.username };
}

export function registerPipelineCommands(program: Command): void {
  const source = program
    .command('source')
    .description('content sources: subreddits, feeds, sandbox accounts');
  source
    .command('add')
    .description('add a source')
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .requiredOption('--kind <reddit|rss|sandbox>', 'what to collect from')
    .requiredOption('--name <name>', 'a name for it')
    .option('--url <url>', 'the feed URL (rss)')
    .option('--subreddit <name>', 'the subreddit (reddit)')
    .option('--username <name>', 'the sandbox account (sandbox)')
    .option('--config <json>', 'the whole configuration as JSON (listing, filters…)')
    .option('--channel <id>', 'a channel drafts go to (repeatable)', collect, [])
    .option('--auto-approve-score <n>', 'approve drafts whose source score is at least this')
    .option('--json', 'print JSON')
    .action(
      (
        options: Ws & {
          kind: string;
          name: string;
          url?: string;
          subreddit?: string;
          username?: string;
          config?: string;
          channel: string[];
          autoApproveScore?: string;
        },
      ) =>
        withDeps(async (deps) => {
          const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
          const input = parseInput(
            sourceInput,
            {
              kind: options.kind,
              name: options.name,
              config: sourceConfig(options),
              draftChannelIds: options.channel,
              autoApproveScore:
                options.autoApproveScore === undefined ? null : Number(options.autoApproveScore),
            },
            {
              kind: '--kind',
              name: '--name',
              config: '--config',
              draftChannelIds: '--channel',
              autoApproveScore: '--auto-approve-score',
            },
          );
          printObject(await createSource(deps, { workspaceId: workspace.id, input }), options);
        }),
    );
  source
    .command('list')
    .description('sources with their status, last run and last error')
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--json', 'print JSON')
    .action((options: Ws) =>
      withDeps(async (deps) => {
        const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
        const rows = await listSources(deps, { workspaceId: workspace.id });
        if (options.json) return printRows(rows, options);
        printRows(
          rows.map((s) => ({
            id: s.id,
            kind: s.kind,
            name: s.name,
            status: s.status,
            items: s.itemCount,
            lastRunAt: s.lastRunAt,
            nextRunAt: s.nextRunAt,
            lastError: s.lastError,
          })),
          options,
        );
      }),
    );
  source
    .command('collect <sourceId>')
    .description('collect from a source now')
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--json', 'print JSON')
    .action((sourceId: string, options: Ws) =>
      withDeps(async (deps) => {
        const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
        printObject(await collectSource(deps, { workspaceId: workspace.id, sourceId }), options);
      }),
    );

  const items = program.command('items').description('collected items through the pipeline');
  items
    .command('list')
    .description('items, newest first')
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--stage <stage>', 'only this stage')
    .option('--source <id>', 'only this source')
    .option('--q <text>', 'search title and body')
    .option('--json', 'print JSON')
    .action((options: Ws & { stage?: string; source?: string; q?: string }) =>
      withDeps(async (deps) => {
        const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
        const query = parseInput(
          itemsQuery,
          { stage: options.stage, sourceId: options.source, q: options.q },
          { stage: '--stage', sourceId: '--source', q: '--q' },
        );
        const page = await listItems(deps, { workspaceId: workspace.id, ...query });
        if (options.json) return printRows(page.items, options);
        printRows(
          page.items.map((i) => ({
            id: i.id,
            stage: i.stage,
            score: i.score,
            title: i.title.slice(0, 60),
            createdAt: i.createdAt,
          })),
          options,
        );
      }),
    );
  items
    .command('show <itemId>')
    .description('an item with its AI output, cost and log')
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--json', 'print JSON')
    .action((itemId: string, options: Ws) =>
      withDeps(async (deps) => {
        const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
        printObject(await getItem(deps, { workspaceId: workspace.id, itemId }), options);
      }),
    );
  items
    .command('approve <itemId>')
    .description('approve a drafted item: its post is scheduled now')
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--json', 'print JSON')
    .action((itemId: string, options: Ws) =>
      withDeps(async (deps) => {
        const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
        await approveItem(deps, { workspaceId: workspace.id, itemId });
        printObject(await getItem(deps, { workspaceId: workspace.id, itemId }), options);
      }),
    );
  items
    .command('reject <itemId>')
    .description('set an item aside')
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--reason <text>', 'why')
    .option('--json', 'print JSON')
    .action((itemId: string, options: Ws & { reason?: string }) =>
      withDeps(async (deps) => {
        const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
        await rejectItem(deps, { workspaceId: workspace.id, itemId, reason: options.reason });
        printObject(await getItem(deps, { workspaceId: workspace.id, itemId }), options);
      }),
    );

  program
    .command('ai')
    .description('AI enrichment')
    .command('usage')
    .description('AI calls, tokens and cost (default: the last 30 days)')
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--from <iso>', 'from this time')
    .option('--to <iso>', 'until this time')
    .option('--json', 'print JSON')
    .action((options: Ws & { from?: string; to?: string }) =>
      withDeps(async (deps) => {
        const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
        const usage = await getAiUsage(deps, {
          workspaceId: workspace.id,
          from: options.from,
          to: options.to,
        });
        if (options.json) return printObject(usage, options);
        printObject(
          {
            totalUsd: usage.totalUsd,
            calls: usage.calls,
            inputTokens: usage.inputTokens,
            outputTokens: usage.outputTokens,
          },
          options,
        );
        printRows(usage.days, options);
      }),
    );

  program
    .command('takedown <postId>')
    .description('take a published post down: hidden now, removed everywhere after the grace period')
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .requiredOption('--reason <text>', 'why')
    .option('--json', 'print JSON')
    .action((postId: string, options: Ws & { reason: string }) =>
      withDeps(async (deps) => {
        const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
        printObject(
          await requestTakedown(deps, {
            workspaceId: workspace.id,
            postId,
            reason: options.reason,
            requestedBy: null,
          }),
          options,
        );
      }),
    );
}
