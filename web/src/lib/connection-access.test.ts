import { describe, expect, it } from 'vitest';
import { connectionAccess } from './connection-access';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const inMinutes = (n: number) => new Date(NOW + n * 60_000).toISOString();

describe('what a connection card says about access', () => {
  it('does not name an expiry once the connection has expired', () => {
    const access = connectionAccess(
      { status: 'expired', health: 'unhealthy', tokenExpiresAt: inMinutes(59) },
      NOW,
    );
    expect(access).toMatchObject({ badge: 'expired', expiresAt: null, needsReconnect: true });
    expect(access.text).not.toMatch(/expires/);
  });

  it('says an active token renews itself', () => {
    const access = connectionAccess(
      { status: 'active', health: 'healthy', tokenExpiresAt: inMinutes(59) },
      NOW,
    );
    expect(access).toMatchObject({ badge: 'healthy', expiresAt: inMinutes(59), needsReconnect: false });
  });

  it('calls an active token long past expiry expired', () => {
    const access = connectionAccess(
      { status: 'active', health: 'healthy', tokenExpiresAt: inMinutes(-30) },
      NOW,
    );
    expect(access).toMatchObject({ badge: 'expired', needsReconnect: true, expiresAt: null });
  });
});
