/**
 * Reconnecting a sandbox account opens the consent form on that account (not "demo"), and
 * accepting it as offered re-authorises the connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTeam, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';
import { type ConnectedChannel, connectSandbox } from '../support/publishing.ts';
import { consentFormFields } from '../support/sandbox-oauth.ts';

describe('reconnecting a sandbox account', () => {
  let herald: TestHerald;
  let team: Team;
  let channel: ConnectedChannel;
  beforeAll(async () => {
    herald = await startHerald();
    await herald.listen();
    team = await newTeam(herald);
    channel = await connectSandbox(herald, {
      workspaceId: team.workspace.id,
      member: team.user,
      username: 'carol_reconnects',
    });
  });
  afterAll(async () => herald?.close());

  it('pre-fills the account being reconnected, and accepting it works', async () => {
    const start = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${team.workspace.id}/connections/${channel.connectionId}/reconnect`,
      headers: team.user.headers,
      payload: { returnTo: '/channels' },
    });
    expect(start.statusCode, start.body).toBe(200);
    const page = await fetch(start.json().authorizeUrl as string);
    const html = await page.text();
    const fields = consentFormFields(html);
    expect(html).toMatch(
      /name="username"[^>]*value="carol_reconnects"|value="carol_reconnects"[^>]*name="username"/,
    );
    // Accept the form as offered: the username is the pre-filled one.
    fields.username = /value="([^"]*)"[^>]*name="username"|name="username"[^>]*value="([^"]*)"/
      .exec(html)!
      .slice(1)
      .find(Boolean)!;
    fields.decision = 'authorize';
    const consent = await fetch(`${herald.baseUrl}/sandbox/oauth/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });
    expect(consent.status).toBe(302);
    const callback = await fetch(consent.headers.get('location')!, { redirect: 'manual' });
    const back = new URL(callback.headers.get('location')!, herald.baseUrl);
    expect(back.searchParams.get('error')).toBeNull();
    expect(back.searchParams.get('connected')).toBe(channel.connectionId);
  });
});
