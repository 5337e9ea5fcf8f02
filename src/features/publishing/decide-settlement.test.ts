import { describe, expect, it } from 'vitest';
import { PlatformError, type PlatformErrorKind } from '../../platforms/types.ts';
import type { ClaimMode } from './claim-target.ts';
import { decideSettlement, type SettlementInput } from './decide-settlement.ts';
import type { ExecuteOutcome } from './execute-target.ts';

const now = new Date('2026-01-01T12:00:00Z');
const error = (
  kind: PlatformErrorKind,
  calledPublish: boolean,
  extra: { retryAfter?: Date } = {},
): ExecuteOutcome => ({
  type: 'error',
  error: new PlatformError({ kind, message: `${kind} happened`, ...extra }),
  calledPublish,
});
const decide = (
  outcome: ExecuteOutcome,
  options: { mode?: ClaimMode; attempts?: number; maxAttempts?: number; publishState?: unknown } = {},
) => {
  const input: SettlementInput = {
    target: {
      attempts: options.attempts ?? 0,
      maxAttempts: options.maxAttempts ?? 3,
      publishState: options.publishState ?? null,
    },
    mode: options.mode ?? 'publish',
    outcome,
    now,
    retryBaseSeconds: 10,
    random: () => 0.5,
  };
  const { attempt, target } = decideSettlement(input);
  return {
    attempt: attempt.outcome,
    status: target.status,
    next: target.kind === 'next' ? target.at.getTime() - now.getTime() : null,
    attempts: target.values.attempts,
    publishState: target.values.publishState,
  };
};

describe('decideSettlement', () => {
  const cases: [string, ReturnType<typeof decide>, ReturnType<typeof decide>][] = [
    [
      'published: final, one attempt spent, state cleared',
      decide({
        type: 'published',
        remoteId: 'r',
        remoteUrl: null,
        partIds: [],
        reconciled: false,
        calledPublish: true,
        rateLimit: null,
      }),
      { attempt: 'published', status: 'published', next: null, attempts: 1, publishState: null },
    ],
    [
      'found by a reconcile: no attempt spent',
      decide(
        {
          type: 'published',
          remoteId: 'r',
          remoteUrl: null,
          partIds: [],
          reconciled: true,
          calledPublish: false,
          rateLimit: null,
        },
        { mode: 'reconcile', attempts: 2 },
      ),
      { attempt: 'reconciled', status: 'published', next: null, attempts: 2, publishState: null },
    ],
    [
      'pending: runs again after the platform’s wait, with its state',
      decide({ type: 'pending', state: { c: 1 }, retryAfterMs: 5000, rateLimit: null }),
      {
        attempt: 'pending',
        status: 'publishing',
        next: 5000,
        attempts: undefined,
        publishState: { c: 1, pending: true },
      },
    ],
    [
      'rate limited with a reset already past: due now, no attempt spent, state kept',
      decide(error('rate_limited', true, { retryAfter: new Date(now.getTime() - 1000) }), {
        publishState: { upload: 'u' },
      }),
      { attempt: 'rate_limited', status: 'deferred', next: 0, attempts: undefined, publishState: undefined },
    ],
    [
      'rate limited without a reset: the default wait',
      decide(error('rate_limited', true)),
      {
        attempt: 'rate_limited',
        status: 'deferred',
        next: 60_000,
        attempts: undefined,
        publishState: undefined,
      },
    ],
    [
      'transient after a publish call: retry, asking first',
      decide(error('transient', true)),
      { attempt: 'retry', status: 'retrying', next: 10_000, attempts: 1, publishState: { reconcile: true } },
    ],
    [
      'transient before any publish call: retry, nothing to ask',
      decide(error('transient', false)),
      { attempt: 'retry', status: 'retrying', next: 10_000, attempts: 1, publishState: null },
    ],
    [
      'transient on a resume: the saved state is kept',
      decide(error('transient', true), { mode: 'resume', publishState: { c: 2, pending: true } }),
      {
        attempt: 'retry',
        status: 'retrying',
        next: 10_000,
        attempts: 1,
        publishState: { c: 2, pending: true },
      },
    ],
    [
      'out of attempts after a publish call that may have reached: unknown, still asking first',
      decide(error('transient', true), { mode: 'reconcile', attempts: 2, publishState: { reconcile: true } }),
      { attempt: 'unknown', status: 'unknown', next: null, attempts: 3, publishState: { reconcile: true } },
    ],
    [
      'out of attempts on a reconcile that never answered: unknown, saved state kept',
      decide(error('transient', false), { mode: 'reconcile', attempts: 2, publishState: { upload: 'u' } }),
      {
        attempt: 'unknown',
        status: 'unknown',
        next: null,
        attempts: 3,
        publishState: { upload: 'u', reconcile: true },
      },
    ],
    [
      'a reconcile the platform refused: unknown at once',
      decide(error('invalid', false), { mode: 'reconcile', publishState: { reconcile: true } }),
      { attempt: 'unknown', status: 'unknown', next: null, attempts: 1, publishState: { reconcile: true } },
    ],
    [
      'out of attempts with nothing sent: failed',
      decide(error('transient', false), { attempts: 2 }),
      { attempt: 'failed', status: 'failed', next: null, attempts: 3, publishState: null },
    ],
    [
      'invalid on a publish call: failed, nothing left on the platform',
      decide(error('invalid', true), { mode: 'reconcile', publishState: { reconcile: true } }),
      { attempt: 'failed', status: 'failed', next: null, attempts: 1, publishState: null },
    ],
    [
      'duplicate: failed, logged as a duplicate',
      decide(error('duplicate', true)),
      { attempt: 'duplicate', status: 'failed', next: null, attempts: 1, publishState: null },
    ],
    [
      'unknowable: unknown, waiting for a person',
      decide({ type: 'unknown', message: 'cannot tell' }, { mode: 'reconcile' }),
      { attempt: 'unknown', status: 'unknown', next: null, attempts: undefined, publishState: undefined },
    ],
    [
      'refused token: waits for re-authorisation',
      decide({ type: 'waiting_reauth', message: 'reconnect' }),
      { attempt: 'auth', status: 'waiting_reauth', next: null, attempts: undefined, publishState: undefined },
    ],
  ];
  it.each(cases)('%s', (_name, actual, expected) => {
    expect(actual).toEqual(expected);
  });
});
