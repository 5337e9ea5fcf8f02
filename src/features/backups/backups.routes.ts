/** Backups for instance admins: their state, a backup now, a restore test now. */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { requireAuth } from '../../http/auth.ts';
import type { Routes } from '../../http/plugin.ts';
import { errorReplies } from '../../http/schemas.ts';
import { backupStatus, runBackup, runVerify } from './backup-jobs.ts';
import { defaultBackupRoot } from './create-backup.ts';
import { backupTime } from './prune-backups.ts';

const tags = ['backups'];
const runView = z.object({
  at: z.string(),
  ok: z.boolean().nullable(),
  path: z.string().nullable(),
  error: z.string().nullable(),
});
export const backupStatusView = z.object({
  lastBackup: runView.nullable(),
  lastVerification: runView.nullable(),
  attention: z.array(z.string()),
});
const backupsReply = backupStatusView.extend({
  directory: z.string(),
  schedule: z.string().nullable(),
  retention: z.object({ daily: z.number().int(), weekly: z.number().int() }),
  backups: z.array(z.object({ name: z.string(), createdAt: z.string() })),
});
const runReply = z.object({
  ok: z.boolean(),
  path: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  error: z.string().nullable(),
});

export function backupRoutes(deps: Deps): Routes {
  return async (app) => {
    app.addHook('preHandler', async (request) => {
      if (!requireAuth(request).isInstanceAdmin)
        throw new AppError('forbidden', 'only instance admins manage backups');
    });
    app.get(
      '/api/admin/backups',
      {
        schema: {
          tags,
          operationId: 'listBackups',
          summary: 'Backups on disk, the last backup and the last restore test',
          response: { 200: backupsReply, ...errorReplies },
        },
      },
      async () => {
        const root = defaultBackupRoot(deps);
        const names = (await readdir(root).catch(() => []))
          .filter((n) => backupTime(n) !== null)
          .sort()
          .reverse();
        const backups = [];
        for (const name of names) {
          if (
            await stat(path.join(root, name, 'manifest.json')).then(
              () => true,
              () => false,
            )
          )
            backups.push({ name, createdAt: backupTime(name)!.toISOString() });
        }
        return {
          ...(await backupStatus(deps)),
          directory: root,
          schedule: deps.config.backupSchedule,
          retention: { daily: deps.config.backupKeepDaily, weekly: deps.config.backupKeepWeekly },
          backups,
        };
      },
    );
    app.post(
      '/api/admin/backups',
      {
        schema: {
          tags,
          operationId: 'createBackup',
          summary: 'Back up the database and media now (without the encryption key)',
          description:
            'Runs in this process, so it works on the embedded database while Herald runs. The key is never included from the API: keep it apart from the backups.',
          response: { 200: runReply, ...errorReplies },
        },
      },
      async () => {
        const result = await runBackup(deps, { trigger: 'manual' });
        return { ok: result.ok, path: result.path, details: result.details, error: result.error ?? null };
      },
    );
    app.post(
      '/api/admin/backups/verify',
      {
        schema: {
          tags,
          operationId: 'verifyNewestBackup',
          summary: 'Test-restore the newest backup into a scratch database and compare it with its manifest',
          response: { 200: runReply, ...errorReplies },
        },
      },
      async () => {
        const result = await runVerify(deps, { trigger: 'manual' });
        return { ok: result.ok, path: result.path, details: result.details, error: result.error ?? null };
      },
    );
  };
}
