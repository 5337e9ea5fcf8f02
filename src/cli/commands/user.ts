/** `herald user create` and `herald user list`: instance accounts, for admins at the console. */
import type { Command } from 'commander';
import { z } from 'zod';
import { emailInput, newPasswordInput, personNameInput } from '../../features/auth/auth.schemas.ts';
import { createUser } from '../../features/auth/create-user.ts';
import { listUsers } from '../../features/auth/list-users.ts';
import { printObject, printRows } from '../output.ts';
import { parseInput } from '../parse-input.ts';
import { readNewPassword } from '../read-password.ts';
import { withDeps } from '../with-deps.ts';

const newUserInput = z.object({ email: emailInput, name: personNameInput, password: newPasswordInput });
const flags = { email: '--email', name: '--name' };

type CreateOptions = {
  email: string;
  name: string;
  instanceAdmin?: boolean;
  passwordStdin?: boolean;
  json?: boolean;
};

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('user accounts');

  user
    .command('create')
    .description('create a user (add them to workspaces from the web UI or the members API)')
    .requiredOption('--email <email>', 'their email, used to log in')
    .requiredOption('--name <name>', 'their display name')
    .option('--instance-admin', 'make them an instance admin', false)
    .option('--password-stdin', 'read the password from the first line of stdin (otherwise it is prompted)')
    .option('--json', 'print JSON')
    .action(async (options: CreateOptions) => {
      parseInput(newUserInput.omit({ password: true }), options, flags);
      // Asked before the database is opened: its lock is not held while someone types.
      const input = parseInput(newUserInput, { ...options, password: await readNewPassword(options) }, flags);
      return withDeps(async (deps) => {
        const created = await createUser(deps, { ...input, isInstanceAdmin: options.instanceAdmin ?? false });
        if (options.json) return printObject(created, options);
        process.stdout.write(
          `Created ${created.isInstanceAdmin ? 'instance admin' : 'user'} ${created.email} (${created.id})\n`,
        );
      });
    });

  user
    .command('list')
    .description('every user of this instance')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      withDeps(async (deps) => {
        const users = await listUsers(deps);
        if (options.json) return printRows(users, options);
        printRows(
          users.map((u) => ({
            id: u.id,
            email: u.email,
            name: u.name,
            admin: u.isInstanceAdmin ? 'yes' : '',
            active: u.isActive ? 'yes' : 'no',
            lastLoginAt: u.lastLoginAt,
            createdAt: u.createdAt,
          })),
          options,
        );
      }),
    );
}
