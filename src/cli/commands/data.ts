import type { Command } from 'commander';
import { registerBackupCommands } from './backup.ts';
import { registerChannelCommands } from './channel.ts';
import { registerPipelineCommands } from './pipeline.ts';
import { registerPostCommands } from './post.ts';
import { registerQueueCommands } from './queue.ts';
import { registerSecretsCommands } from './secrets.ts';
import { registerSetupCommand } from './setup.ts';
import { registerTokenCommands } from './token.ts';
import { registerUserCommands } from './user.ts';

/**
 * Commands over Herald's data (setup, users, tokens, channels, posts, queue, stored secrets). Each
 * opens Herald with `createDeps`, calls the same use-case as the HTTP API (secret rotation has no
 * HTTP counterpart: it is an operator's job), prints, and closes; none starts workers.
 */
export function registerDataCommands(program: Command): void {
  registerSetupCommand(program);
  registerUserCommands(program);
  registerTokenCommands(program);
  registerChannelCommands(program);
  registerPostCommands(program);
  registerQueueCommands(program);
  registerSecretsCommands(program);
  registerBackupCommands(program);
  registerPipelineCommands(program);
}
