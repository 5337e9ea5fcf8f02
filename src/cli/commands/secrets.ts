/**
 * `herald secrets rotate`: the last step of a key rotation. With the new key in HERALD_SECRET_KEY and
 * the old one in HERALD_OLD_SECRET_KEYS, it re-seals every stored secret with the new key, after which
 * the old key can be dropped. Exits non-zero while anything still needs the old key (or any key).
 */
import type { Command } from 'commander';
import { rotateSecrets } from '../../features/secrets/rotate-secrets.ts';
import { printObject, printRows } from '../output.ts';
import { withDeps } from '../with-deps.ts';

/** Progress lines on stderr once a column has this many more rows looked at. */
const PROGRESS_EVERY = 1000;

export function registerSecretsCommands(program: Command): void {
  const secrets = program.command('secrets').description('encrypted tokens and client secrets');

  secrets
    .command('rotate')
    .description('re-encrypt stored secrets with HERALD_SECRET_KEY; values under a retired key are rewritten')
    .option('--dry-run', 'count what would be rewritten, write nothing', false)
    .option('--json', 'print JSON')
    .action((options: { dryRun: boolean; json?: boolean }) =>
      withDeps(async (deps) => {
        let printed = { column: '', at: 0 };
        const result = await rotateSecrets(deps, {
          dryRun: options.dryRun,
          onProgress: ({ table, column, scanned }) => {
            const name = `${table}.${column}`;
            if (printed.column !== name) printed = { column: name, at: 0 };
            if (scanned - printed.at < PROGRESS_EVERY) return;
            printed.at = scanned;
            process.stderr.write(`secrets rotate: ${name}: ${scanned} rows checked\n`);
          },
        });
        const changing = result.columns.reduce((n, c) => n + c.changing, 0);
        if (options.json) printObject(result, options);
        else {
          printRows(
            result.columns.map((c) => ({
              column: `${c.table}.${c.column}`,
              [options.dryRun ? 'toRewrite' : 'rewritten']: c.rewritten,
              current: c.current,
              undecryptable: c.undecryptable,
              changing: c.changing,
            })),
            options,
          );
          for (const u of result.undecryptable) {
            process.stdout.write(`cannot decrypt ${u.table}.${u.column} of row ${u.id}: ${u.reason}\n`);
          }
          const rewritten = result.columns.reduce((n, c) => n + c.rewritten, 0);
          process.stdout.write(
            options.dryRun
              ? `Dry run: ${rewritten} values would be re-encrypted with key ${result.keyId}; nothing was written.\n`
              : `Re-encrypted ${rewritten} values with key ${result.keyId}.\n`,
          );
        }
        if (result.undecryptable.length) {
          process.stderr.write(
            `herald: ${result.undecryptable.length} values could not be decrypted with any configured key ` +
              'and were left as they are; add the key they were sealed with to HERALD_OLD_SECRET_KEYS, ' +
              'or reconnect those accounts\n',
          );
        }
        if (changing) {
          process.stderr.write(
            `herald: ${changing} values kept changing while being rewritten; run the command again\n`,
          );
        }
        if (result.undecryptable.length || changing) process.exitCode = 1;
      }),
    );
}
