/**
 * Herald's configuration: the only module that reads `process.env`.
 *
 * Every variable is validated at start; a bad value stops Herald with a message naming the variable.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  HERALD_DATA_DIR: z.string().min(1).default('./data'),
  HERALD_SECRET_KEY: z.string().min(1).optional(),
  /** Older keys still accepted for decryption while values are rotated to the current key. */
  HERALD_OLD_SECRET_KEYS: z.string().optional(),
  PUBLIC_URL: z.url().optional(),
  /** Where the sandbox network is reached; defaults to Herald's own address. */
  HERALD_SANDBOX_URL: z.url().optional(),
  HERALD_DB_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
  HERALD_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(8),
  /** Targets more than this many minutes late at start are marked missed instead of published. */
  HERALD_MISSED_WINDOW_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(24 * 60),
  /** Tokens expiring within this many minutes are refreshed ahead of time. */
  HERALD_REFRESH_WINDOW_MINUTES: z.coerce.number().int().min(1).default(60),
  HERALD_MAX_UPLOAD_MB: z.coerce.number().positive().default(50),
  /** Allow fetching media from private and loopback addresses (off: protects the network Herald runs in). */
  HERALD_ALLOW_PRIVATE_MEDIA_URLS: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  HERALD_POLL_SECONDS: z.coerce.number().min(0.5).default(1),
  /** First retry delay after a transient failure; doubles per attempt (with jitter), capped at an hour. */
  HERALD_RETRY_BASE_SECONDS: z.coerce.number().min(0).default(30),
  /** How often the queue looks for jobs whose worker died (heartbeat lost) and hands them on. */
  HERALD_QUEUE_MONITOR_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
  /** How long one platform call may take before it counts as a transient failure. */
  HERALD_PLATFORM_TIMEOUT_SECONDS: z.coerce.number().min(1).default(60),
  /**
   * Proxies in front of Herald whose X-Forwarded-* headers are believed: a hop count, or `true` for
   * any. Off by default, so a client can't spoof its IP past the login throttle.
   */
  HERALD_TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d+)$/, 'must be true, false or a number of hops')
    .default('false')
    .transform((v) => (v === 'true' ? true : v === 'false' ? false : Number(v))),
  /** Where backups are written; default `HERALD_DATA_DIR/backups`. */
  HERALD_BACKUP_DIR: z.string().min(1).optional(),
  /** When the daily backup runs (cron, server time); `off` turns scheduled backups off. */
  HERALD_BACKUP_SCHEDULE: z.string().min(1).default('30 3 * * *'),
  HERALD_BACKUP_KEEP_DAILY: z.coerce.number().int().min(1).default(7),
  HERALD_BACKUP_KEEP_WEEKLY: z.coerce.number().int().min(0).default(4),
  /** Turns on `GET /metrics` (Prometheus), readable only with this bearer token. */
  HERALD_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(logLevels).default('info'),
  /** `pretty` lines for people, `json` for machines; `auto` is pretty when the output is a terminal. */
  LOG_FORMAT: z.enum(['auto', 'pretty', 'json']).default('auto'),
});

export type Config = {
  port: number;
  host: string;
  database: { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string; poolSize: number };
  dataDir: string;
  secretKey: string | undefined;
  oldSecretKeys: string[];
  publicUrl: string;
  sandboxUrl: string;
  workerConcurrency: number;
  missedWindowMinutes: number;
  refreshWindowMinutes: number;
  maxUploadBytes: number;
  allowPrivateMediaUrls: boolean;
  pollSeconds: number;
  retryBaseSeconds: number;
  queueMonitorSeconds: number;
  platformTimeoutMs: number;
  logLevel: (typeof logLevels)[number];
  logFormat: 'auto' | 'pretty' | 'json';
  metricsToken: string | undefined;
  backupDir: string | undefined;
  backupSchedule: string | null;
  backupKeepDaily: number;
  backupKeepWeekly: number;
  trustProxy: boolean | number;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads `.env` (if present) under the real environment, which wins. */
function loadEnvFile(cwd: string): Record<string, string> {
  const file = path.join(cwd, '.env');
  if (!existsSync(file)) return {};
  return parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
}

/**
 * Builds a validated config from an environment. `env` defaults to `.env` overlaid by `process.env`;
 * tests pass their own object.
 */
export function loadConfig(env?: Record<string, string | undefined>): Config {
  const source = env ?? { ...loadEnvFile(process.cwd()), ...process.env };
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.HERALD_DATA_DIR);
  const shownHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? '127.0.0.1' : e.HOST;
  const publicUrl = (e.PUBLIC_URL ?? `http://${shownHost}:${e.PORT}`).replace(/\/+$/, '');
  return {
    port: e.PORT,
    host: e.HOST,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.HERALD_DB_POOL_SIZE }
      : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
    dataDir,
    secretKey: e.HERALD_SECRET_KEY,
    oldSecretKeys: (e.HERALD_OLD_SECRET_KEYS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
    publicUrl,
    sandboxUrl: (e.HERALD_SANDBOX_URL ?? `${publicUrl}/sandbox`).replace(/\/+$/, ''),
    workerConcurrency: e.HERALD_WORKER_CONCURRENCY,
    missedWindowMinutes: e.HERALD_MISSED_WINDOW_MINUTES,
    refreshWindowMinutes: e.HERALD_REFRESH_WINDOW_MINUTES,
    maxUploadBytes: Math.round(e.HERALD_MAX_UPLOAD_MB * 1024 * 1024),
    allowPrivateMediaUrls: e.HERALD_ALLOW_PRIVATE_MEDIA_URLS,
    pollSeconds: e.HERALD_POLL_SECONDS,
    retryBaseSeconds: e.HERALD_RETRY_BASE_SECONDS,
    queueMonitorSeconds: e.HERALD_QUEUE_MONITOR_SECONDS,
    platformTimeoutMs: e.HERALD_PLATFORM_TIMEOUT_SECONDS * 1000,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    metricsToken: e.HERALD_METRICS_TOKEN,
    backupDir: e.HERALD_BACKUP_DIR ? path.resolve(e.HERALD_BACKUP_DIR) : undefined,
    backupSchedule: e.HERALD_BACKUP_SCHEDULE === 'off' ? null : e.HERALD_BACKUP_SCHEDULE,
    backupKeepDaily: e.HERALD_BACKUP_KEEP_DAILY,
    backupKeepWeekly: e.HERALD_BACKUP_KEEP_WEEKLY,
    trustProxy: e.HERALD_TRUST_PROXY,
  };
}
