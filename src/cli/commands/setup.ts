/** `herald setup`: first-run setup from the command line, as `POST /api/setup` does it. */
import type { Command } from 'commander';
import { AppError } from '../../errors.ts';
import { setupBody } from '../../features/auth/auth.schemas.ts';
import { isSetupNeeded, setupInstance } from '../../features/auth/setup-instance.ts';
import { printObject } from '../output.ts';
import { parseInput } from '../parse-input.ts';
import { readNewPassword } from '../read-password.ts';
import { withDeps } from '../with-deps.ts';

const flags = { email: '--email', name: '--name', workspaceName: '--workspace', password: 'password' };

type Options = { email: string; name: string; workspace: string; passwordStdin?: boolean; json?: boolean };

export function registerSetupCommand(program: Command): void {
  program
    .command('setup')
    .description('first-run setup: the first user (an instance admin) and the first workspace')
    .requiredOption('--email <email>', "the admin's email")
    .requiredOption('--name <name>', "the admin's display name")
    .requiredOption('--workspace <name>', 'name of the first workspace')
    .option('--password-stdin', 'read the password from the first line of stdin (otherwise it is prompted)')
    .option('--json', 'print JSON')
    .action((options: Options) => {
      const fields = { email: options.email, name: options.name, workspaceName: options.workspace };
      parseInput(setupBody.omit({ password: true }), fields, flags);
      return withDeps(async (deps) => {
        // Checked before the prompt too, so nobody types a password for nothing.
        if (!(await isSetupNeeded(deps))) {
          throw new AppError('conflict', 'Herald is already set up; add users with `herald user create`');
        }
        const input = parseInput(setupBody, { ...fields, password: await readNewPassword(options) }, flags);
        const { user, workspace } = await setupInstance(deps, input);
        if (options.json) return printObject({ user, workspace }, options);
        process.stdout.write(
          `Herald is set up.\n  admin:     ${user.email} (${user.id})\n` +
            `  workspace: ${workspace.name} (slug ${workspace.slug}, id ${workspace.id})\n`,
        );
      });
    });
}
