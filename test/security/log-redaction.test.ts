/**
 * Secrets that arrive in a request's URL or headers never reach the log, at any level: an OAuth
 * callback's `code` and `state` (logged with every request's URL at `info`), the CSRF header and the
 * session cookie (logged by the multipart plugin with all headers at `trace`, and attached as raw
 * bytes to the errors of requests Node's HTTP parser refuses).
 */
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLog, redactUrl } from '../../src/lib/log.ts';
import { multipart, png } from '../media/support.ts';
import { newTeam, signIn, type SignedIn, type Team } from '../support/factories.ts';
import { startHerald, type TestHerald } from '../support/harness.ts';

function capturedLog(level: string) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLog({ level, destination }), text: () => lines.join('') };
}

describe('the log', () => {
  const captured = capturedLog('trace');
  let herald: TestHerald;
  let team: Team;
  let session: SignedIn;

  beforeAll(async () => {
    herald = await startHerald({ overrides: { log: captured.log } });
    await herald.listen();
    team = await newTeam(herald);
    session = await signIn(herald, team.admin);
  });
  afterAll(async () => herald?.close());

  it('shows an OAuth callback’s URL without its code and state', async () => {
    const code = 'authorization-code-4b1d';
    const state = 'oauth-state-9c2e';
    await herald.app.inject({
      method: 'GET',
      url: `/api/oauth/callback?code=${code}&state=${state}&iss=https%3A%2F%2Fexample.test`,
    });
    const log = captured.text();
    expect(log).toContain(
      '/api/oauth/callback?code=[redacted]&state=[redacted]&iss=https%3A%2F%2Fexample.test',
    );
    expect(log).not.toContain(code);
    expect(log).not.toContain(state);
  });

  it('shows no CSRF token or session cookie from a multipart upload’s headers (logged at trace)', async () => {
    const form = multipart([
      { name: 'file', filename: 'pixel.png', contentType: 'image/png', data: png(2, 2) },
    ]);
    const res = await herald.app.inject({
      method: 'POST',
      url: `/api/workspaces/${team.workspace.id}/media`,
      headers: { ...session.headers, ...form.headers },
      payload: form.payload,
    });
    expect(res.statusCode, res.body).toBe(201);
    const log = captured.text();
    expect(log).toContain('busboyOptions'); // the line that carries the headers is there
    expect(log).not.toContain(session.csrfToken);
    expect(log).not.toContain(session.cookie.split('=')[1]!);
  });

  it('keeps no raw request bytes from a request refused before routing (headers over 16 KiB)', async () => {
    const { port } = new URL(herald.baseUrl);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let data = '';
      socket.on('data', (chunk) => (data += String(chunk)));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
      socket.write(
        `GET /api/health?pad=${'x'.repeat(17 * 1024)} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          `X-CSRF-Token: ${session.csrfToken}\r\nCookie: ${session.cookie}\r\n\r\n`,
      );
    });
    expect(reply).toMatch(/^HTTP\/1\.1 431 /);
    expect(captured.text()).not.toContain('rawPacket');
  });
});

describe('redactUrl', () => {
  it('censors the values of credential-bearing parameters, whatever their case or encoding', () => {
    expect(redactUrl('/api/health')).toBe('/api/health');
    expect(redactUrl('/cb?code=abc&state=def&x=1')).toBe('/cb?code=[redacted]&state=[redacted]&x=1');
    expect(redactUrl('/cb?Access_Token=abc&%63ode=def&code')).toBe(
      '/cb?Access_Token=[redacted]&%63ode=[redacted]&code',
    );
    expect(redactUrl('/cb?%E0%A4%A=1&state=x')).toBe('/cb?%E0%A4%A=1&state=[redacted]');
  });

  it('is applied to every log line that carries a request, and headers named in any object', () => {
    const captured = capturedLog('info');
    captured.log.info({ req: { method: 'GET', url: '/x?token=t0k3n' } }, 'a request');
    captured.log.info({ headers: { 'x-csrf-token': 'csrf-value', cookie: 'c=v' } }, 'headers');
    const log = captured.text();
    expect(log).toContain('/x?token=[redacted]');
    expect(log).not.toContain('t0k3n');
    expect(log).not.toContain('csrf-value');
    expect(log).not.toContain('c=v');
  });
});
