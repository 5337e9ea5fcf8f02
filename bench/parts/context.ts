/** What every bench part is given: sizes from the environment, the sandbox host, the backends to run. */

const env = process.env;
const int = (name: string, fallback: number) => {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got "${value}"`);
  return n;
};

export function benchEnv() {
  return {
    publishTargets: int('BENCH_TARGETS', 5_000),
    pgliteTargets: int('BENCH_PGLITE_TARGETS', 2_000),
    scaleTargets: int('BENCH_SCALE_TARGETS', 3_000),
    scaleWorkers: (env.BENCH_SCALE_WORKERS ?? '1,2,4').split(',').map(Number),
    steadySeconds: int('BENCH_STEADY_SECONDS', 60),
    /** Targets per second for the steady run; 0 = half the capacity measured in this run. */
    steadyRate: int('BENCH_STEADY_RATE', 0),
    backlogTargets: int('BENCH_BACKLOG_TARGETS', 2_000),
    idleSeconds: int('BENCH_IDLE_SECONDS', 10),
    apiPosts: int('BENCH_POSTS', 1_000_000),
    apiTargetsPerPost: int('BENCH_TARGETS_PER_POST', 3),
    apiRequests: int('BENCH_API_REQUESTS', 2_000),
    apiConcurrency: int('BENCH_API_CONCURRENCY', 50),
  };
}

export type BenchContext = {
  env: ReturnType<typeof benchEnv>;
  /** The sandbox network's base URL, served by its own process. */
  sandboxUrl: string;
  channels: number;
  concurrency: number;
  postgres: boolean;
  pglite: boolean;
  /** Publish capacity (targets/s on PostgreSQL) measured earlier in this run, if any. */
  capacity?: number;
};
