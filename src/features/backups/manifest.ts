/**
 * A backup is a folder: `manifest.json`, one NDJSON file per table under `tables/`, the stored media
 * under `media/`, and the encryption key only when asked for. The manifest is what a restore and a
 * verification check everything against.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../errors.ts';

export const MANIFEST_FILE = 'manifest.json';
export const KEY_FILE = 'secret.key';

export const manifestSchema = z.object({
  format: z.literal(1),
  heraldVersion: z.string(),
  createdAt: z.string(),
  database: z.object({ kind: z.enum(['pglite', 'postgres']), method: z.literal('logical') }),
  /** The migrations applied to the backed-up database, in order: its migration level is the last. */
  migrations: z.array(z.string()).min(1),
  tables: z.record(z.string(), z.object({ rows: z.number().int().min(0), sha256: z.string() })),
  files: z.array(z.object({ path: z.string(), size: z.number().int().min(0), sha256: z.string() })),
  keyIncluded: z.boolean(),
});

export type Manifest = z.infer<typeof manifestSchema>;

export const tableFile = (dir: string, table: string) => path.join(dir, 'tables', `${table}.ndjson`);
export const mediaDirOf = (dir: string) => path.join(dir, 'media');

export async function readManifest(dir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    throw new AppError('not_found', `${dir} is not a Herald backup: it has no ${MANIFEST_FILE}`);
  }
  const parsed = manifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new AppError('invalid', `the backup's manifest is not valid: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every file under `root`, with its size and hash, paths relative to `root`. */
export async function listFiles(root: string): Promise<Manifest['files']> {
  const out: Manifest['files'] = [];
  const walk = async (dir: string) => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile())
        out.push({
          path: path.relative(root, full),
          size: (await stat(full)).size,
          sha256: await hashFile(full),
        });
    }
  };
  await walk(root);
  return out;
}
