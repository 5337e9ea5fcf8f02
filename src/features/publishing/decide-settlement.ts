/**
 * What a publish run's outcome means for its target: the one place error kinds get their meaning.
 * transient → retry with backoff (asking the platform first when the post may have reached it);
 * rate_limited → defer to the reset without spending an attempt; invalid and duplicate → fail with the
 * platform's message; auth → wait for re-authorisation; out of attempts after a failure that may have
 * reached the platform → `unknown`, keeping the saved state so any later run asks before posting.
 *
 * Pure: the settle step carries the decision out in one transaction.
 */
import type { AttemptOutcome, postTargets, TargetStatus } from '../../db/schema.ts';
import type { RateLimitInfo } from '../../platforms/types.ts';
import { retryDelayMs } from './backoff.ts';
import type { ClaimMode } from './claim-target.ts';
import type { ExecuteOutcome } from './execute-target.ts';

/** When a platform says "slow down" without saying until when. */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

type TargetValues = Partial<typeof postTargets.$inferInsert>;

export type Settlement = {
  /** The attempt log row's ending. */
  attempt: {
    outcome: AttemptOutcome;
    errorCode?: string | null;
    errorMessage?: string | null;
    rateLimit?: RateLimitInfo | null;
  };
  /** The platform's last reported limit, to remember for the connection. */
  rateLimit: RateLimitInfo | null;
  /**
   * `final`: the target ends (or waits for a person) and owns no job; `next`: a job runs it again at
   * `at` with `status`. `values` are the other columns written in the same statement.
   */
  target:
    | { kind: 'final'; status: TargetStatus; values: TargetValues }
    | { kind: 'next'; status: TargetStatus; at: Date; values: TargetValues };
};

export type SettlementInput = {
  target: {
    attempts: number;
    maxAttempts: number;
    publishState: unknown;
  };
  mode: ClaimMode;
  outcome: ExecuteOutcome;
  now: Date;
  retryBaseSeconds: number;
  random?: () => number;
};

/** State that makes the next run ask the platform before it posts. */
export const RECONCILE_FIRST = { reconcile: true } as const;

export function decideSettlement(input: SettlementInput): Settlement {
  const { target, outcome, now } = input;
  switch (outcome.type) {
    case 'published':
      return {
        attempt: {
          outcome: outcome.reconciled ? 'reconciled' : 'published',
          rateLimit: outcome.rateLimit,
        },
        rateLimit: outcome.rateLimit,
        target: {
          kind: 'final',
          status: 'published',
          values: {
            remoteId: outcome.remoteId,
            remoteUrl: outcome.remoteUrl,
            remotePartIds: outcome.partIds,
            attempts: target.attempts + (outcome.calledPublish ? 1 : 0),
            publishState: null,
            errorCode: null,
            errorMessage: null,
          },
        },
      };
    case 'pending':
      return {
        attempt: { outcome: 'pending', rateLimit: outcome.rateLimit },
        rateLimit: outcome.rateLimit,
        target: {
          kind: 'next',
          status: 'publishing',
          at: new Date(now.getTime() + outcome.retryAfterMs),
          values: { publishState: { ...outcome.state, pending: true } },
        },
      };
    case 'unknown':
      return {
        attempt: { outcome: 'unknown', errorCode: 'unknown_outcome', errorMessage: outcome.message },
        rateLimit: null,
        target: {
          kind: 'final',
          status: 'unknown',
          values: { errorCode: 'unknown_outcome', errorMessage: outcome.message },
        },
      };
    case 'waiting_reauth':
      return {
        attempt: { outcome: 'auth', errorCode: 'auth', errorMessage: outcome.message },
        rateLimit: null,
        target: {
          kind: 'final',
          status: 'waiting_reauth',
          values: { errorCode: 'auth', errorMessage: outcome.message },
        },
      };
    case 'error':
      return decideError(input, outcome);
  }
}

function decideError(
  input: SettlementInput,
  outcome: Extract<ExecuteOutcome, { type: 'error' }>,
): Settlement {
  const { target, mode, now } = input;
  const { error, calledPublish } = outcome;
  const rateLimit = error.rateLimit;
  const errorCode = error.code ?? error.kind;

  if (error.kind === 'rate_limited') {
    // Deferred, not failed: the attempt is given back, and saved platform state (uploads or
    // processing already done) is kept for the run after the reset. The platform's reset time, or
    // now if it has already passed; a guess only when none was given.
    const at = error.retryAfter
      ? new Date(Math.max(error.retryAfter.getTime(), now.getTime()))
      : new Date(now.getTime() + DEFAULT_RATE_LIMIT_WAIT_MS);
    return {
      attempt: { outcome: 'rate_limited', errorCode, errorMessage: error.message, rateLimit },
      rateLimit,
      target: {
        kind: 'next',
        status: 'deferred',
        at,
        values: { errorCode: 'rate_limited', errorMessage: error.message },
      },
    };
  }

  // Every failed run counts against the budget, a failed reconcile too (or an unreachable platform
  // would be asked forever).
  const attempts = target.attempts + 1;
  // Could the post be on the platform after this run? A timeout or 5xx on a publish call may hide a
  // post the platform stored; a reconcile that did not answer (whatever it met) leaves the doubt
  // that made this run reconcile standing.
  const reconcileUnanswered = mode === 'reconcile' && !calledPublish;
  const mayHaveReached = reconcileUnanswered || (error.kind === 'transient' && calledPublish);
  // What the next run (this job's, or a person's retry) starts from. A resume keeps its saved state
  // (the adapter continues from it); a doubt keeps the order to ask first, with whatever a previous
  // run saved to help the platform find the post; a call the platform refused outright left nothing.
  const publishState: unknown =
    mode === 'resume' && error.kind === 'transient'
      ? target.publishState
      : reconcileUnanswered
        ? { ...(target.publishState as object | null), ...RECONCILE_FIRST }
        : mayHaveReached
          ? RECONCILE_FIRST
          : calledPublish
            ? null
            : target.publishState;

  if (error.kind === 'transient' && attempts < target.maxAttempts) {
    const at = new Date(
      now.getTime() +
        retryDelayMs({
          attempt: attempts,
          baseSeconds: input.retryBaseSeconds,
          ...(input.random ? { random: input.random } : {}),
        }),
    );
    return {
      attempt: { outcome: 'retry', errorCode, errorMessage: error.message, rateLimit },
      rateLimit,
      target: {
        kind: 'next',
        status: 'retrying',
        at,
        values: { attempts, errorCode, errorMessage: error.message, publishState },
      },
    };
  }

  if (mayHaveReached) {
    // Out of attempts, and nobody can tell whether the post went out: say so rather than `failed`.
    const message =
      error.kind === 'transient'
        ? `${error.message} (gave up after ${attempts} attempts; the post may have reached the platform: Herald will ask it before posting again)`
        : `${error.message} (the platform could not say whether an earlier try went out: Herald will ask it before posting again)`;
    return {
      attempt: { outcome: 'unknown', errorCode, errorMessage: error.message, rateLimit },
      rateLimit,
      target: {
        kind: 'final',
        status: 'unknown',
        values: { attempts, errorCode, errorMessage: message, publishState },
      },
    };
  }
  const message =
    error.kind === 'transient' ? `${error.message} (gave up after ${attempts} attempts)` : error.message;
  return {
    attempt: {
      outcome: error.kind === 'duplicate' ? 'duplicate' : 'failed',
      errorCode,
      errorMessage: error.message,
      rateLimit,
    },
    rateLimit,
    target: {
      kind: 'final',
      status: 'failed',
      values: { attempts, errorCode, errorMessage: message, publishState },
    },
  };
}
