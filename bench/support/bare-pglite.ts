/**
 * A bare PGlite process, the footprint reference: opens the data dir given as argv[2], with
 * PGlite's own defaults (argv[3] = `defaults`) or with the settings Herald opens it with
 * (`herald`), answers one query, prints `ready`, and idles until it is stopped.
 */
import { PGlite } from '@electric-sql/pglite';
import { pgliteSettings } from '../../src/db/pglite-settings.ts';

// PGlite writes `postgresqlconf` into the data dir's postgresql.conf, so "defaults" are spelled out:
// PostgreSQL's own, which PGlite keeps.
const serverDefaults = {
  postgresqlconf: [
    'shared_buffers = 128MB',
    'wal_buffers = 4MB',
    'temp_buffers = 8MB',
    'work_mem = 4MB',
    'maintenance_work_mem = 64MB',
  ],
};
const [dataDir, mode] = process.argv.slice(2);
const db = await PGlite.create({
  dataDir: dataDir!,
  ...(mode === 'herald' ? pgliteSettings : serverDefaults),
});
await db.query('select 1');
process.stdout.write('ready\n');
const stop = () => void db.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => {}, 1 << 30);
