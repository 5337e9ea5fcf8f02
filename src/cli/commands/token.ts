/**
 * `herald token create|list|revoke`: a user's API tokens. The CLI may create tokens for anyone
 * (whoever runs it already holds the database); the HTTP API only lets a logged-in user create
 * their own.
 */
import type { Command } from 'commander';
import { createApiToken } from '../../features/tokens/create-api-token.ts';
import { listApiTokens } from '../../features/tokens/list-api-tokens.ts';
import { revokeApiToken } from '../../features/tokens/revoke-api-token.ts';
import { createTokenBody, tokenParams } from '../../features/tokens/tokens.schemas.ts';
import { requireUserByEmail } from '../find-user.ts';
import { printObject, printRows } from '../output.ts';
import { parseInput } from '../parse-input.ts';
import { withDeps } from '../with-deps.ts';

const ONCE = 'This token is shown only this once: store it now (Herald keeps only its hash).';

type CreateOptions = { user: string; name: string; expiresInDays?: string; json?: boolean };

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('API tokens (Authorization: Bearer <token>)');

  token
    .command('create')
    .description('create an API token for a user; prints it once')
    .requiredOption('--user <email>', 'whose token it is')
    .requiredOption('--name <name>', 'what it is for, e.g. "deploy script"')
    .option('--expires-in-days <n>', 'days until it expires (default: never)')
    .option('--json', 'print JSON')
    .action((options: CreateOptions) =>
      withDeps(async (deps) => {
        const input = parseInput(
          createTokenBody,
          {
            name: options.name,
            expiresInDays: options.expiresInDays === undefined ? undefined : Number(options.expiresInDays),
          },
          { name: '--name', expiresInDays: '--expires-in-days' },
        );
        const user = await requireUserByEmail(deps, { email: options.user, flag: '--user' });
        const created = await createApiToken(deps, { userId: user.id, ...input });
        if (options.json) {
          printObject(created, options);
          process.stderr.write(`${ONCE}\n`);
          return;
        }
        process.stdout.write(
          `Created API token "${created.name}" for ${user.email} (id ${created.id}, ` +
            `${created.expiresAt ? `expires ${created.expiresAt.toISOString()}` : 'never expires'}):\n\n` +
            `  ${created.token}\n\n${ONCE}\n`,
        );
      }),
    );

  token
    .command('list')
    .description("a user's API tokens (never the tokens themselves)")
    .requiredOption('--user <email>', 'whose tokens')
    .option('--json', 'print JSON')
    .action((options: { user: string; json?: boolean }) =>
      withDeps(async (deps) => {
        const user = await requireUserByEmail(deps, { email: options.user, flag: '--user' });
        const tokens = await listApiTokens(deps, { userId: user.id });
        if (options.json) return printRows(tokens, options);
        const now = deps.clock.now();
        printRows(
          tokens.map((t) => ({
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            state: t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt <= now ? 'expired' : 'active',
            lastUsedAt: t.lastUsedAt,
            expiresAt: t.expiresAt,
            createdAt: t.createdAt,
          })),
          options,
        );
      }),
    );

  token
    .command('revoke')
    .description("revoke one of a user's API tokens; it stops working at once")
    .argument('<id>', 'the token id (from `herald token list`)')
    .requiredOption('--user <email>', 'whose token')
    .option('--json', 'print JSON')
    .action((id: string, options: { user: string; json?: boolean }) =>
      withDeps(async (deps) => {
        const { id: tokenId } = parseInput(tokenParams, { id }, { id: '<id>' });
        const user = await requireUserByEmail(deps, { email: options.user, flag: '--user' });
        await revokeApiToken(deps, { userId: user.id, tokenId });
        if (options.json) return printObject({ id: tokenId, revoked: true }, options);
        process.stdout.write(`Revoked API token ${tokenId}\n`);
      }),
    );
}
