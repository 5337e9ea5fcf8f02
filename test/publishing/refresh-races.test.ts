/**
 * Token refresh when callers overlap: a caller waiting on another's lease must not walk away with
 * the old tokens when that refresh failed, and the sweep must not refresh a connection that another
 * process refreshed just before it got the lease.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connections, reauthAudit } from '../../src/db/schema.ts';
import { refreshConnection } from '../../src/features/connections/refresh-connection.ts';
import { sandboxAdapter } from '../../src/platforms/sandbox/index.ts';
import { createPlatforms } from '../../src/platforms/registry.ts';
import { PlatformError } from '../../src/platforms/types.ts';
import { newTeam } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { waitFor } from '../support/publishing.ts';
import { scriptedChannel, scriptedPlatform } from '../support/scripted-platform.ts';

describe('refreshing one connection from overlapping callers', () => {
  const scripted = scriptedPlatform();
  let herald: TestHerald;
  let workspaceId: string;

  beforeAll(async () => {
    herald = await startHerald({
      overrides: { platforms: createPlatforms([sandboxAdapter, scripted.adapter]) },
    });
    workspaceId = (await newTeam(herald)).workspace.id;
  });
  afterAll(async () => herald?.close());

  /** A scripted connection holding `token` / `refresh-1`, expiring in `expiresInMs`. */
  const connection = async (expiresInMs: number) => {
    const { connectionId } = await scriptedChannel(herald.deps, workspaceId);
    await herald.deps.db
      .update(connections)
      .set({
        refreshToken: herald.deps.secrets.encrypt('refresh-1'),
        tokenExpiresAt: new Date(Date.now() + expiresInMs),
      })
      .where(eq(connections.id, connectionId));
    return connectionId;
  };
  const audits = (connectionId: string) =>
    herald.deps.db.select().from(reauthAudit).where(eq(reauthAudit.connectionId, connectionId));

  it("a waiter refreshes itself when the lease holder's refresh failed, instead of returning the old token", async () => {
    const connectionId = await connection(60_000);
    let fail!: () => void;
    const holderMayFail = new Promise<void>((resolve) => {
      fail = resolve;
    });
    scripted.refreshes.push(async () => {
      await holderMayFail;
      throw new PlatformError({ kind: 'transient', message: 'token endpoint timed out' });
    });
    scripted.refreshes.push(async () => ({
      accessToken: 'fresh-token',
      refreshToken: 'refresh-2',
      expiresAt: new Date(Date.now() + 3_600_000),
      scopes: [],
    }));

    const holder = refreshConnection(herald.deps, {
      connectionId,
      trigger: 'publish',
      staleAccessToken: 'token',
    });
    await waitFor(async () => {
      const [row] = await herald.deps.db.select().from(connections).where(eq(connections.id, connectionId));
      return row!.refreshLeaseUntil !== null;
    });
    const waiter = refreshConnection(herald.deps, {
      connectionId,
      trigger: 'publish',
      staleAccessToken: 'token',
    });
    // Let the waiter find the lease taken and start waiting before the holder's refresh fails.
    await new Promise((resolve) => setTimeout(resolve, 500));
    fail();

    await expect(holder).rejects.toMatchObject({ kind: 'transient' });
    const credentials = await waiter;
    expect(credentials.accessToken).toBe('fresh-token');
    expect(credentials.refreshToken).toBe('refresh-2');
    expect(scripted.refreshes).toHaveLength(0);
    const [row] = await herald.deps.db.select().from(connections).where(eq(connections.id, connectionId));
    expect(row).toMatchObject({ status: 'active', health: 'healthy', refreshLeaseUntil: null });
    expect((await audits(connectionId)).map((a) => a.succeeded).sort()).toEqual([false, true]);
  });

  it('the sweep leaves alone a connection whose token is no longer about to expire', async () => {
    // As if another process refreshed it a moment before the sweep's caller took the lease.
    const connectionId = await connection(6 * 3_600_000);
    const credentials = await refreshConnection(herald.deps, { connectionId, trigger: 'schedule' });
    expect(credentials.accessToken).toBe('token');
    expect(await audits(connectionId)).toEqual([]);
    const [row] = await herald.deps.db.select().from(connections).where(eq(connections.id, connectionId));
    expect(row).toMatchObject({ status: 'active', refreshLeaseUntil: null });
  });

  it('a refresh someone asked for still happens then', async () => {
    const connectionId = await connection(6 * 3_600_000);
    scripted.refreshes.push(async () => ({
      accessToken: 'asked-for',
      refreshToken: null,
      expiresAt: new Date(Date.now() + 3_600_000),
      scopes: [],
    }));
    const credentials = await refreshConnection(herald.deps, { connectionId, trigger: 'user' });
    expect(credentials).toMatchObject({ accessToken: 'asked-for', refreshToken: 'refresh-1' });
  });
});
