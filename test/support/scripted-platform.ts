/**
 * A platform whose answers a test scripts, for the engine's error classes that the sandbox cannot
 * produce on demand. It is a real adapter value (the engine can't tell it apart); only its "network"
 * is a script. Connections and channels for it are inserted directly.
 */
import { channels, connections, platformApps } from '../../src/db/schema.ts';
import type { Deps } from '../../src/deps.ts';
import {
  type PlatformAdapter,
  PlatformError,
  type PublishOutcome,
  type PublishRequest,
  type ReconcileOutcome,
  type TokenSet,
} from '../../src/platforms/types.ts';

export type Step =
  PublishOutcome | PlatformError | ((request: PublishRequest) => PublishOutcome | PlatformError);

export function scriptedPlatform() {
  const publishes: Step[] = [];
  const reconciles: (ReconcileOutcome | PlatformError)[] = [];
  /** Answers to token refreshes, in order; with none left a refresh is refused (`auth`). */
  const refreshes: (() => Promise<TokenSet>)[] = [];
  const calls: { method: 'publish' | 'reconcile'; request: PublishRequest }[] = [];
  const take = <T>(queue: T[], what: string): T => {
    const next = queue.shift();
    if (next === undefined) throw new Error(`scripted platform: no ${what} scripted`);
    return next;
  };
  const adapter: PlatformAdapter = {
    id: 'scripted',
    displayName: 'Scripted',
    capabilities: {
      text: true,
      images: 4,
      video: false,
      threads: false,
      maxTextLength: 100,
      idempotentPublish: false,
      canDelete: false,
      metrics: false,
      comments: false,
    },
    authorizeUrl: () => 'http://127.0.0.1:9/authorize',
    exchangeCode: async () => ({ accessToken: 'a', refreshToken: null, expiresAt: null, scopes: [] }),
    refresh: async () => {
      const next = refreshes.shift();
      if (!next) throw new PlatformError({ kind: 'auth', message: 'no refresh' });
      return next();
    },
    profile: async () => ({ externalId: 'x', username: 'x', displayName: 'x', avatarUrl: null }),
    discoverChannels: async () => [],
    validate: (request) =>
      request.text.length > 100 ? [{ field: 'text', message: 'at most 100 characters' }] : [],
    async publish(_ctx, _credentials, request) {
      calls.push({ method: 'publish', request });
      let step = take(publishes, 'publish');
      if (typeof step === 'function') step = step(request);
      if (step instanceof PlatformError) throw step;
      return step;
    },
    async reconcile(_ctx, _credentials, request) {
      calls.push({ method: 'reconcile', request });
      const next = take(reconciles, 'reconcile');
      if (next instanceof PlatformError) throw next;
      return next;
    },
    deletePost: async () => {},
    readMetrics: async () => ({ likes: 0, comments: 0, shares: 0, impressions: 0 }),
    readComments: async () => ({ comments: [], nextCursor: null }),
  };
  return { adapter, publishes, reconciles, refreshes, calls };
}

/** A connected scripted channel in a workspace. */
export async function scriptedChannel(
  deps: Deps,
  workspaceId: string,
): Promise<{ channelId: string; connectionId: string }> {
  const [app] = await deps.db
    .insert(platformApps)
    .values({
      platform: 'scripted',
      name: 'Scripted',
      clientId: 'client',
      clientSecret: deps.secrets.encrypt('secret'),
    })
    .returning();
  const [connection] = await deps.db
    .insert(connections)
    .values({
      workspaceId,
      platform: 'scripted',
      platformAppId: app!.id,
      externalAccountId: `acct-${Math.random().toString(36).slice(2)}`,
      accessToken: deps.secrets.encrypt('token'),
      status: 'active',
      health: 'healthy',
    })
    .returning();
  const [channel] = await deps.db
    .insert(channels)
    .values({
      workspaceId,
      connectionId: connection!.id,
      platform: 'scripted',
      externalId: 'main',
      name: 'Scripted main',
    })
    .returning();
  return { channelId: channel!.id, connectionId: connection!.id };
}
