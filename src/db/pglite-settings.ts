/**
 * How Herald opens the embedded database. PGlite's defaults are PostgreSQL's server defaults
 * (shared_buffers 128 MB and friends), sized for a database server with the machine to itself; as an
 * embedded database that one process owns, Herald asks for much less, which keeps an idle `herald
 * start` small. Kept in its own module so the benchmark's bare-PGlite reference opens it the same way
 * without loading the rest of Herald.
 */
import type { PGliteOptions } from '@electric-sql/pglite';

export const pgliteSettings = {
  postgresqlconf: [
    'shared_buffers = 16MB',
    'wal_buffers = 1MB',
    'temp_buffers = 2MB',
    'work_mem = 4MB',
    'maintenance_work_mem = 32MB',
  ],
} satisfies PGliteOptions;
