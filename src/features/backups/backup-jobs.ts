/**
 * Backups on their own: a daily backup (then pruning) and a weekly restore test of the newest backup,
 * on pg-boss schedules run by the scheduler process. Every run, scheduled or asked for, leaves a
 * `backup_runs` row, which is what health, the admin page and the dashboard read.
 */
import { desc, eq } from 'drizzle-orm';
import { backupRuns } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { createBackup, defaultBackupRoot } from './create-backup.ts';
import { newestBackup, pruneBackups } from './prune-backups.ts';
import { verifyBackup } from './verify-backup.ts';

export const backupQueues = { backup: 'backup', verify: 'backup-verify' } as const;
/** The weekly restore test: Sundays, a while after the default daily backup. */
const VERIFY_SCHEDULE = '30 5 * * 0';
/** A backup older than this (or a restore test older than 8 days) is late. */
const BACKUP_LATE_HOURS = 26;
const VERIFY_LATE_HOURS = 8 * 24;

type Trigger = 'schedule' | 'manual';

async function recordRun(
  deps: Deps,
  options: { kind: 'backup' | 'verify'; trigger: Trigger },
  run: () => Promise<{ ok: boolean; path: string | null; details: Record<string, unknown>; error?: string }>,
) {
  const [row] = await deps.db
    .insert(backupRuns)
    .values({ kind: options.kind, trigger: options.trigger, startedAt: deps.clock.now() })
    .returning({ id: backupRuns.id });
  try {
    const result = await run();
    await deps.db
      .update(backupRuns)
      .set({
        finishedAt: deps.clock.now(),
        ok: result.ok,
        path: result.path,
        details: result.details,
        error: result.error ?? null,
      })
      .where(eq(backupRuns.id, row!.id));
    return result;
  } catch (error) {
    await deps.db
      .update(backupRuns)
      .set({ finishedAt: deps.clock.now(), ok: false, error: (error as Error).message })
      .where(eq(backupRuns.id, row!.id));
    throw error;
  }
}

/** Makes a backup and prunes old ones, recording the run. */
export async function runBackup(
  deps: Deps,
  options: { trigger: Trigger; to?: string; includeKey?: boolean; secretKey?: string },
) {
  return recordRun(deps, { kind: 'backup', trigger: options.trigger }, async () => {
    const { dir, manifest } = await createBackup(deps, options);
    const removed = options.to
      ? []
      : await pruneBackups(defaultBackupRoot(deps), {
          keepDaily: deps.config.backupKeepDaily,
          keepWeekly: deps.config.backupKeepWeekly,
        });
    const rows = Object.values(manifest.tables).reduce((sum, t) => sum + t.rows, 0);
    deps.log.info({ dir, rows, files: manifest.files.length, pruned: removed.length }, 'backup written');
    return {
      ok: true,
      path: dir,
      details: {
        tables: Object.keys(manifest.tables).length,
        rows,
        files: manifest.files.length,
        pruned: removed,
      },
    };
  });
}

/** Restores a backup (the newest by default) into a scratch database and compares, recording the run. */
export async function runVerify(deps: Deps, options: { trigger: Trigger; dir?: string }) {
  return recordRun(deps, { kind: 'verify', trigger: options.trigger }, async () => {
    const dir = options.dir ?? (await newestBackup(defaultBackupRoot(deps)));
    if (!dir) return { ok: false, path: null, details: {}, error: 'there is no backup to verify yet' };
    const result = await verifyBackup({
      dir,
      serverUrl: deps.config.database.kind === 'postgres' ? deps.config.database.url : null,
    });
    if (!result.ok) deps.log.error({ dir, problems: result.problems }, 'backup verification failed');
    return {
      ok: result.ok,
      path: dir,
      details: { tables: result.tables, rows: result.rows, files: result.files, problems: result.problems },
      ...(result.ok ? {} : { error: result.problems.join('; ') }),
    };
  });
}

export type BackupStatus = {
  lastBackup: { at: string; ok: boolean | null; path: string | null; error: string | null } | null;
  lastVerification: { at: string; ok: boolean | null; path: string | null; error: string | null } | null;
  /** Why a person should look: no recent backup, a failed one, no recent or a failed restore test. */
  attention: string[];
};

export async function backupStatus(deps: Pick<Deps, 'db' | 'clock' | 'config'>): Promise<BackupStatus> {
  const last = async (kind: 'backup' | 'verify') => {
    const [row] = await deps.db
      .select()
      .from(backupRuns)
      .where(eq(backupRuns.kind, kind))
      .orderBy(desc(backupRuns.startedAt))
      .limit(1);
    return row ? { at: row.startedAt.toISOString(), ok: row.ok, path: row.path, error: row.error } : null;
  };
  const lastBackup = await last('backup');
  const lastVerification = await last('verify');
  const now = deps.clock.now().getTime();
  const ageHours = (at: string) => (now - new Date(at).getTime()) / 3_600_000;
  const attention: string[] = [];
  if (deps.config.backupSchedule) {
    if (!lastBackup) attention.push('no backup has been made yet');
    else if (lastBackup.ok === false) attention.push(`the last backup failed: ${lastBackup.error}`);
    else if (ageHours(lastBackup.at) > BACKUP_LATE_HOURS)
      attention.push(`the last backup is ${Math.round(ageHours(lastBackup.at))} hours old`);
    if (lastVerification?.ok === false)
      attention.push(`the last restore test failed: ${lastVerification.error}`);
    else if (lastBackup && (!lastVerification || ageHours(lastVerification.at) > VERIFY_LATE_HOURS))
      attention.push('no backup has been test-restored in the last week');
  }
  return { lastBackup, lastVerification, attention };
}

/** Registers the daily backup and the weekly restore test (scheduler process only). */
export async function startBackupJobs(deps: Deps): Promise<void> {
  if (!deps.config.backupSchedule) return;
  const existing = new Set((await deps.queue.getQueues()).map((q) => q.name));
  for (const name of Object.values(backupQueues)) {
    if (!existing.has(name)) await deps.queue.createQueue(name, { policy: 'singleton', retryLimit: 1 });
  }
  await deps.queue.schedule(backupQueues.backup, deps.config.backupSchedule);
  await deps.queue.schedule(backupQueues.verify, VERIFY_SCHEDULE);
  const quietly = (what: string, run: () => Promise<unknown>) => async () => {
    await run().catch((error) => deps.log.error({ err: error }, `${what} failed`));
  };
  await deps.queue.work(
    backupQueues.backup,
    { pollingIntervalSeconds: 30 },
    quietly('scheduled backup', () => runBackup(deps, { trigger: 'schedule' })),
  );
  await deps.queue.work(
    backupQueues.verify,
    { pollingIntervalSeconds: 30 },
    quietly('scheduled restore test', () => runVerify(deps, { trigger: 'schedule' })),
  );
}
