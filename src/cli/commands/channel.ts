/** `herald channel list`: where a workspace can publish, and the health of each connection. */
import type { Command } from 'commander';
import { findWorkspace } from '../../features/auth/find-workspace.ts';
import { listChannels } from '../../features/channels/list-channels.ts';
import { printRows } from '../output.ts';
import { withDeps } from '../with-deps.ts';

export function registerChannelCommands(program: Command): void {
  const channel = program.command('channel').description('channels (connect them from the web UI)');

  channel
    .command('list')
    .description("a workspace's channels with their connection state")
    .requiredOption('--workspace <id|slug>', 'the workspace')
    .option('--json', 'print JSON')
    .action((options: { workspace: string; json?: boolean }) =>
      withDeps(async (deps) => {
        const workspace = await findWorkspace(deps, { idOrSlug: options.workspace });
        const channels = await listChannels(deps, { workspaceId: workspace.id });
        if (options.json) return printRows(channels, options);
        printRows(
          channels.map((c) => ({
            id: c.id,
            platform: c.platform,
            name: c.name,
            username: c.username,
            active: c.isActive ? 'yes' : 'no',
            connection: c.connection.status,
            health: c.connection.health,
            lastPostedAt: c.lastPostedAt,
          })),
          options,
        );
      }),
    );
}
