/**
 * Second step of a publish run, outside any transaction: talk to the platform. Never throws for a
 * platform's answer; every result, good or bad, becomes an `ExecuteOutcome` for the settle step.
 */
import { eq } from 'drizzle-orm';
import { connections } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import {
  type Credentials,
  PlatformError,
  type PublishRequest,
  type RateLimitInfo,
} from '../../platforms/types.ts';
import { adapterContext, credentialsOf } from '../connections/credentials.ts';
import { refreshConnection } from '../connections/refresh-connection.ts';
import { toMediaItem } from '../media/to-media-item.ts';
import type { Claim } from './claim-target.ts';

export type ExecuteOutcome =
  | {
      type: 'published';
      remoteId: string;
      remoteUrl: string | null;
      partIds: string[];
      reconciled: boolean;
      calledPublish: boolean;
      rateLimit: RateLimitInfo | null;
    }
  | { type: 'pending'; state: Record<string, unknown>; retryAfterMs: number; rateLimit: RateLimitInfo | null }
  | { type: 'unknown'; message: string }
  | { type: 'waiting_reauth'; message: string }
  | { type: 'error'; error: PlatformError; calledPublish: boolean };

/** Refresh a little before expiry rather than fail a publish on a token that dies mid-call. */
const EXPIRY_MARGIN_MS = 60_000;

export function publishRequestFor(deps: Deps, claim: Claim): PublishRequest {
  const state = claim.target.publishState as Record<string, unknown> | null;
  return {
    idempotencyKey: claim.target.idempotencyKey,
    channel: {
      externalId: claim.channel.externalId,
      kind: claim.channel.kind,
      metadata: claim.channel.metadata as Record<string, unknown>,
    },
    text: claim.target.contentOverride ?? claim.post.content,
    title: claim.post.title,
    media: claim.media.map((m) => toMediaItem(deps, m)),
    options: claim.target.options,
    state: claim.mode === 'resume' ? state : null,
  };
}

async function markConnectionExpired(deps: Deps, connectionId: string, message: string) {
  await deps.db
    .update(connections)
    .set({ status: 'expired', health: 'unhealthy', lastError: message })
    .where(eq(connections.id, connectionId));
}

export async function executeTarget(
  deps: Deps,
  claim: Claim,
  jobSignal: AbortSignal,
): Promise<ExecuteOutcome> {
  const adapter = deps.platforms.get(claim.target.platform);
  const ctx = () =>
    adapterContext(
      deps,
      claim.app,
      AbortSignal.any([jobSignal, AbortSignal.timeout(deps.config.platformTimeoutMs)]),
    );
  let request = publishRequestFor(deps, claim);
  let calledPublish = false;
  let credentials: Credentials;
  /** Refreshes, turning a refused refresh into "needs re-authorisation" (the connection is marked). */
  const refresh = async (staleAccessToken?: string) => {
    try {
      return await refreshConnection(deps, {
        connectionId: claim.connection.id,
        trigger: 'publish',
        ...(staleAccessToken ? { staleAccessToken } : {}),
      });
    } catch (error) {
      if (error instanceof PlatformError && error.kind === 'transient') throw error;
      throw new AppError(
        'conflict',
        `the account's token could not be refreshed: ${(error as Error).message}`,
      );
    }
  };

  try {
    credentials = credentialsOf(deps, claim.connection);
    const expiresAt = credentials.expiresAt?.getTime();
    if (
      expiresAt !== undefined &&
      credentials.refreshToken &&
      expiresAt - deps.clock.now().getTime() < EXPIRY_MARGIN_MS
    ) {
      credentials = await refresh();
    }
  } catch (error) {
    return failure(error);
  }

  /** One call, with one token refresh and retry when the platform says the token is bad. */
  async function withFreshToken<T>(call: (c: Credentials) => Promise<T>): Promise<T> {
    try {
      return await call(credentials);
    } catch (error) {
      if (!(error instanceof PlatformError) || error.kind !== 'auth') throw error;
      if (!credentials.refreshToken) {
        await markConnectionExpired(
          deps,
          claim.connection.id,
          `the platform rejected the token: ${error.message}`,
        );
        throw error;
      }
      credentials = await refresh(credentials.accessToken);
      try {
        return await call(credentials);
      } catch (retryError) {
        if (retryError instanceof PlatformError && retryError.kind === 'auth') {
          await markConnectionExpired(
            deps,
            claim.connection.id,
            `the platform rejected a fresh token: ${retryError.message}`,
          );
        }
        throw retryError;
      }
    }
  }

  function failure(error: unknown): ExecuteOutcome {
    if (error instanceof PlatformError) {
      if (error.kind === 'auth') {
        return {
          type: 'waiting_reauth',
          message: `${adapter.displayName} rejected the account's token: ${error.message}`,
        };
      }
      return { type: 'error', error, calledPublish };
    }
    if (error instanceof AppError) return { type: 'waiting_reauth', message: error.message };
    deps.log.error({ err: error, targetId: claim.target.id }, 'unexpected error while publishing');
    return {
      type: 'error',
      error: new PlatformError({
        kind: 'transient',
        message: `unexpected error: ${(error as Error).message}`,
      }),
      calledPublish,
    };
  }

  try {
    if (claim.mode === 'reconcile') {
      // The reconcile sees whatever state a previous run saved (an upload or publish id helps it find
      // the post); a publish after it starts clean.
      const saved = claim.target.publishState as Record<string, unknown> | null;
      const found = await withFreshToken((c) => adapter.reconcile(ctx(), c, { ...request, state: saved }));
      if (found.status === 'found') {
        return {
          type: 'published',
          remoteId: found.remoteId,
          remoteUrl: found.remoteUrl,
          partIds: found.partIds ?? [],
          reconciled: true,
          calledPublish: false,
          rateLimit: null,
        };
      }
      if (found.status === 'unknowable') {
        return {
          type: 'unknown',
          message: `an earlier attempt was interrupted and ${adapter.displayName} offers no way to check whether it went out: look at the channel, then mark the target published or retry it`,
        };
      }
      // Part of a thread is there: post the rest, from what the platform showed.
      if (found.status === 'partial') request = { ...request, state: found.state };
    }
    calledPublish = true;
    const outcome = await withFreshToken((c) => adapter.publish(ctx(), c, request));
    if (outcome.status === 'published') {
      return {
        type: 'published',
        remoteId: outcome.remoteId,
        remoteUrl: outcome.remoteUrl,
        partIds: outcome.partIds ?? [],
        reconciled: false,
        calledPublish,
        rateLimit: outcome.rateLimit ?? null,
      };
    }
    return {
      type: 'pending',
      state: outcome.state,
      retryAfterMs: outcome.retryAfterMs,
      rateLimit: outcome.rateLimit ?? null,
    };
  } catch (error) {
    return failure(error);
  }
}
