/**
 * Backups that restore: a backup taken while Herald keeps writing restores into an empty database as
 * one consistent copy, `verify` really restores and compares, and damage is named.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.ts';
import { withScratchDatabase } from '../../src/db/scratch-database.ts';
import { runBackup } from '../../src/features/backups/backup-jobs.ts';
import { createBackup } from '../../src/features/backups/create-backup.ts';
import { listFiles, readManifest, tableFile } from '../../src/features/backups/manifest.ts';
import { restoreBackup } from '../../src/features/backups/restore-backup.ts';
import { verifyBackup } from '../../src/features/backups/verify-backup.ts';
import { startWorkers } from '../../src/features/publishing/start-workers.ts';
import { bearer, newTeam, newUser, type Team, tokenFor } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { connectSandbox, uploadImage } from '../support/publishing.ts';

describe('backup, restore and verify', () => {
  let herald: TestHerald;
  let team: Team;
  let root: string;
  let channelId: string;
  const serverUrl = () =>
    herald.deps.config.database.kind === 'postgres' ? herald.deps.config.database.url : null;

  const createPost = async (content: string, extra: Record<string, unknown> = {}) => {
    const res = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${team.workspace.id}/posts`,
      headers: team.user.headers,
      payload: { content, channelIds: [channelId], ...extra },
    });
    expect(res.statusCode, res.body).toBe(201);
  };

  beforeAll(async () => {
    herald = await startHerald({ env: { HERALD_POLL_SECONDS: '0.5' } });
    await herald.listen();
    await startWorkers(herald.deps, { concurrency: 2 });
    team = await newTeam(herald);
    channelId = (
      await connectSandbox(herald, { workspaceId: team.workspace.id, member: team.user, username: 'keeper' })
    ).channelId;
    const mediaId = await uploadImage(herald, {
      workspaceId: team.workspace.id,
      member: team.user,
      altText: 'kept',
    });
    await createPost('with an image', {
      mediaIds: [mediaId],
      scheduledAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    await createPost('published now', { publishNow: true });
    root = await mkdtemp(path.join(os.tmpdir(), 'herald-backups-'));
  });
  afterAll(async () => {
    await herald?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('takes a consistent backup while Herald keeps writing, and restores it into an empty database', async () => {
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++)
        await createPost(`written during the backup ${i}`, {
          scheduledAt: new Date(Date.now() + 3_600_000).toISOString(),
        });
    })();
    const { dir, manifest } = await createBackup(herald.deps, { to: root });
    writing = false;
    await writer;

    expect(manifest.migrations.length).toBeGreaterThan(4);
    expect(manifest.tables['public.posts']!.rows).toBeGreaterThanOrEqual(2);
    expect(manifest.tables['public.herald_migrations']).toBeUndefined();
    expect(manifest.files).toHaveLength(1);
    expect(manifest.keyIncluded).toBe(false);
    expect(await readFile(path.join(dir, 'manifest.json'), 'utf8')).not.toContain(
      herald.deps.config.secretKey!,
    );

    const mediaDir = await mkdtemp(path.join(os.tmpdir(), 'herald-restored-media-'));
    try {
      await withScratchDatabase(serverUrl(), async (handle) => {
        const result = await restoreBackup({ dir, handle, mediaDir });
        expect(result.tables['public.posts']).toBe(manifest.tables['public.posts']!.rows);
        const [check] = rowsOf<{ orphans: number; miscounted: number; posts: number }>(
          await handle.db.execute(sql`select
            (select count(*)::int from post_targets t where not exists (select 1 from posts p where p.id = t.post_id)) as orphans,
            (select count(*)::int from posts p where p.target_count <> (select count(*) from post_targets t where t.post_id = p.id)) as miscounted,
            (select count(*)::int from posts) as posts`),
        );
        expect(check).toEqual({ orphans: 0, miscounted: 0, posts: manifest.tables['public.posts']!.rows });
        expect(await listFiles(mediaDir)).toEqual(manifest.files);

        await expect(restoreBackup({ dir, handle, mediaDir })).rejects.toThrow(/not empty/);
      });
    } finally {
      await rm(mediaDir, { recursive: true, force: true });
    }
  });

  it('verifies a good backup by restoring it, and names a corrupted file and a missing row', async () => {
    const { dir } = await createBackup(herald.deps, { to: path.join(root, 'second') });
    const good = await verifyBackup({ dir, serverUrl: serverUrl() });
    expect(good).toMatchObject({ ok: true, problems: [] });
    expect(good.rows).toBeGreaterThan(0);

    const corrupted = path.join(root, 'corrupted');
    await cp(dir, corrupted, { recursive: true });
    const manifest = await readManifest(corrupted);
    await writeFile(path.join(corrupted, 'media', manifest.files[0]!.path), 'not the image');
    const badFile = await verifyBackup({ dir: corrupted, serverUrl: serverUrl() });
    expect(badFile.ok).toBe(false);
    expect(badFile.problems.join('\n')).toContain(
      `media file ${manifest.files[0]!.path} does not match its hash`,
    );

    const missingRow = path.join(root, 'missing-row');
    await cp(dir, missingRow, { recursive: true });
    const file = tableFile(missingRow, 'public.posts');
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    await writeFile(file, `${lines.slice(1).join('\n')}\n`);
    const badRows = await verifyBackup({ dir: missingRow, serverUrl: serverUrl() });
    expect(badRows.ok).toBe(false);
    expect(badRows.problems.join('\n')).toMatch(
      /public\.posts: the backup holds \d+ rows, its manifest says \d+/,
    );

    const editedRow = path.join(root, 'edited-row');
    await cp(dir, editedRow, { recursive: true });
    const editedFile = tableFile(editedRow, 'public.posts');
    await writeFile(
      editedFile,
      (await readFile(editedFile, 'utf8')).replace('with an image', 'with an imagE'),
    );
    const badChecksum = await verifyBackup({ dir: editedRow, serverUrl: serverUrl() });
    expect(badChecksum.problems).toContain(
      'public.posts: the restored rows differ from the backed-up ones (checksum mismatch)',
    );
  }, 300_000); // four restores, each into a freshly migrated scratch database

  it('records runs for health: admins see the last backup, others see none of it', async () => {
    const result = await runBackup(herald.deps, { trigger: 'manual', to: path.join(root, 'recorded') });
    expect(result.ok).toBe(true);
    const instanceAdmin = await newUser(herald.deps, { instanceAdmin: true });
    const headers = bearer(await tokenFor(herald.deps, instanceAdmin.id));
    const admin = await herald.app.inject({ method: 'GET', url: '/api/health', headers });
    expect(admin.json().backups.lastBackup).toMatchObject({ ok: true, path: result.path });
    const member = await herald.app.inject({
      method: 'GET',
      url: '/api/health',
      headers: team.admin.headers,
    });
    expect(member.json().backups).toBeUndefined();
    const anonymous = await herald.app.inject({ method: 'GET', url: '/api/health' });
    expect(anonymous.json().backups).toBeUndefined();

    const listed = await herald.app.inject({ method: 'GET', url: '/api/admin/backups', headers });
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toMatchObject({ schedule: '30 3 * * *', retention: { daily: 7, weekly: 4 } });
    const refused = await herald.app.inject({
      method: 'POST',
      url: '/api/admin/backups',
      headers: team.admin.headers,
    });
    expect(refused.statusCode).toBe(403);
  });
});
