/**
 * Input found to answer 500 by a fuzz run, each refused at the edge with a 4xx in the one error shape,
 * naming the field: nesting deep enough to overflow a recursive walk, lone surrogates (ill-formed
 * UTF-16) in values and keys, dates PostgreSQL cannot store, the same media twice, and the replies
 * Fastify and Node's HTTP parser make themselves. (`send` checks the shape of every reply.)
 */
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_DEPTH } from '../../src/http/reject-unsafe-input.ts';
import { send, startWorld, type World } from './world.ts';

const world: World = await startWorld();
afterAll(async () => world.herald.close());

const base = () => `/api/workspaces/${world.ours.workspaceId}`;
const json = () => ({ ...world.sessions.admin.headers, 'content-type': 'application/json' });

/** Sends a JSON body as written (so `\ud800` escapes reach the server as they are). */
const post = (url: string, body: string, method = 'POST') =>
  send(world, { method, url, headers: json(), payload: body });

function expectRefused(res: { statusCode: number; json(): unknown }, status: number, message: RegExp): void {
  const body = res.json() as { error: { message: string } };
  expect(res.statusCode, body.error.message).toBe(status);
  expect(body.error.message).toMatch(message);
}

/** `[[[…]]]` `levels` deep, with `inner` at the bottom. */
const nested = (levels: number, inner = '0') => `${'['.repeat(levels)}${inner}${']'.repeat(levels)}`;

describe('deep nesting', () => {
  it('is refused with a 400 before anything walks it, even on login (no authentication yet)', async () => {
    const res = await send(world, {
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: `{"email":"a@example.test","password":"secret","x":${nested(10_000)}}`,
    });
    expectRefused(res, 400, /^body\.x(\.0)+: is nested too deeply \(at most 64 levels/);
  });

  it('is refused in a post’s platform options, and accepted up to the limit', async () => {
    const options = (levels: number) =>
      JSON.stringify({
        content: 'Nested options',
        channelIds: [world.ours.channelId],
        overrides: { [world.ours.channelId]: { options: { deep: JSON.parse(nested(levels)) } } },
      });
    // body → overrides → <channel> → options → deep: four levels above the array.
    expectRefused(
      await post(`${base()}/posts`, options(MAX_DEPTH)),
      400,
      /^body\.overrides\..+\.options\.deep\./,
    );
    const fits = await post(`${base()}/posts`, options(MAX_DEPTH - 5));
    expect(fits.statusCode, fits.body).toBe(201);
  });
});

describe('lone surrogates (ill-formed UTF-16)', () => {
  it('in a value stored as JSON (an API token’s name goes into the audit log)', async () => {
    const res = await post('/api/tokens', '{"name":"token \\ud800"}');
    expectRefused(res, 400, /^body\.name: must be well-formed Unicode/);
  });

  it('in a plain text field, instead of silently becoming U+FFFD', async () => {
    const res = await post(`${base()}/posts`, '{"content":"text \\udfff here"}');
    expectRefused(res, 400, /^body\.content: must be well-formed Unicode/);
  });

  it('in a post’s platform options, as a value or a key, on create and on PATCH', async () => {
    const channel = world.ours.channelId;
    const asValue = `{"channelIds":["${channel}"],"overrides":{"${channel}":{"options":{"note":"\\ud800"}}}}`;
    const asKey = `{"channelIds":["${channel}"],"overrides":{"${channel}":{"options":{"k\\ud800":"v"}}}}`;
    for (const [body, field] of [
      [asValue, `body.overrides.${channel}.options.note`],
      [asKey, `body.overrides.${channel}.options.k\ufffd`],
    ] as const) {
      expectRefused(
        await post(`${base()}/posts`, body),
        400,
        new RegExp(`^${field.replaceAll('.', '\\.')}: `),
      );
      const patch = await post(`${base()}/posts/${world.ours.postId}`, body, 'PATCH');
      expectRefused(patch, 400, /^body\.overrides\./);
    }
  });

  it('a well-formed pair (an emoji) is fine', async () => {
    const res = await post(`${base()}/posts`, '{"content":"emoji \\ud83d\\ude00"}');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().content).toBe('emoji 😀');
  });
});

describe('dates PostgreSQL cannot store', () => {
  const lastMoment = '9999-12-31T23:59:59-23:59'; // 10000-01-01T23:58:59Z

  it('scheduledAt past year 9999 is a 422 naming it, on schedule, create and PATCH', async () => {
    const body = JSON.stringify({ scheduledAt: lastMoment });
    const scheduled = await post(`${base()}/posts/${world.ours.postId}/schedule`, body);
    expectRefused(scheduled, 422, /^body\.scheduledAt: must be within 0001-01-01/);
    const created = await post(
      `${base()}/posts`,
      JSON.stringify({ content: 'x', channelIds: [world.ours.channelId], scheduledAt: lastMoment }),
    );
    expectRefused(created, 422, /^body\.scheduledAt: /);
    const patched = await post(`${base()}/posts/${world.ours.postId}`, body, 'PATCH');
    expectRefused(patched, 422, /^body\.scheduledAt: /);
  });

  it('a local time that falls past year 9999 in its zone is a 422 naming schedule.localTime', async () => {
    const res = await post(
      `${base()}/posts`,
      JSON.stringify({
        content: 'x',
        channelIds: [world.ours.channelId],
        schedule: { localTime: '9999-12-31T23:59', timezone: 'Etc/GMT+12' },
      }),
    );
    expectRefused(res, 422, /^schedule\.localTime: must fall within 0001-01-01/);
  });

  it('the last storable moment is accepted', async () => {
    const res = await post(
      `${base()}/posts`,
      JSON.stringify({
        content: 'x',
        channelIds: [world.ours.channelId],
        scheduledAt: '9999-12-31T23:59:59Z',
      }),
    );
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().scheduledAt).toBe('9999-12-31T23:59:59.000Z');
  });

  it('the posts list’s from and to outside the range are a 422 naming them', async () => {
    for (const [name, value] of [
      ['from', '0000-01-01T00:00:00Z'],
      ['to', lastMoment],
      ['to', '0000-01-01T00:00:00+23:59'],
    ]) {
      const res = await send(world, {
        method: 'GET',
        url: `${base()}/posts?${name}=${encodeURIComponent(value!)}`,
        headers: world.sessions.admin.headers,
      });
      expectRefused(res, 422, new RegExp(`^querystring\\.${name}: must be within`));
    }
  });
});

describe('the same id twice in a list', () => {
  it('mediaIds on create and PATCH, and in a channel’s override, is a 422 naming the list', async () => {
    const media = world.ours.mediaId;
    const channel = world.ours.channelId;
    const create = await post(`${base()}/posts`, JSON.stringify({ content: 'x', mediaIds: [media, media] }));
    expectRefused(create, 422, /^body\.mediaIds: must not list the same id twice/);
    const patch = await post(
      `${base()}/posts/${world.ours.postId}`,
      JSON.stringify({ mediaIds: [media, media] }),
      'PATCH',
    );
    expectRefused(patch, 422, /^body\.mediaIds: /);
    const override = await post(
      `${base()}/posts`,
      JSON.stringify({
        content: 'x',
        channelIds: [channel],
        overrides: { [channel]: { mediaIds: [media, media] } },
      }),
    );
    expectRefused(override, 422, new RegExp(`^body\\.overrides\\.${channel}\\.mediaIds: `));
  });
});

describe('replies Fastify and Node make themselves, in Herald’s error shape', () => {
  /** Sends raw HTTP to the listening server; answers the status line and the parsed JSON body. */
  const raw = (request: string) =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const socket = connect(Number(new URL(world.herald.baseUrl).port), '127.0.0.1');
      let data = '';
      socket.on('data', (chunk) => (data += String(chunk)));
      socket.on('close', () => {
        const [head, body] = data.split('\r\n\r\n') as [string, string];
        resolve({ status: Number(head.split(' ')[1]), body: JSON.parse(body) });
      });
      socket.on('error', reject);
      socket.write(request);
    });

  it('431: a URL over 16 KiB', async () => {
    const res = await raw(`GET /api/health?pad=${'x'.repeat(17 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(res.body).toEqual({
      error: { code: 'bad_request', message: expect.stringContaining('16 KiB'), details: null },
    });
  });

  it('400: something that is not HTTP', async () => {
    const res = await raw('HELLO\r\n\r\n');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'bad_request', details: null } });
  });

  it('404, 413, 415 and 400 for a route not found, a body too large, a wrong type, bad JSON', async () => {
    const cases: [number, string, Parameters<typeof send>[1]][] = [
      [404, 'not_found', { method: 'GET', url: '/api/nothing-here', headers: {} }],
      [404, 'not_found', { method: 'PUT', url: `${base()}/posts`, headers: json(), payload: '{}' }],
      [
        413,
        'payload_too_large',
        {
          method: 'POST',
          url: `${base()}/posts`,
          headers: json(),
          payload: `{"content":"${'x'.repeat(1024 * 1024)}"}`,
        },
      ],
      [
        415,
        'unsupported_media_type',
        {
          method: 'POST',
          url: `${base()}/posts`,
          headers: { ...json(), 'content-type': 'application/xml' },
          payload: '<post/>',
        },
      ],
      [
        400,
        'bad_request',
        { method: 'POST', url: `${base()}/posts`, headers: json(), payload: '{"content":' },
      ],
      [400, 'bad_request', { method: 'GET', url: `${base()}/posts/%E0%A4%A`, headers: json() }],
    ];
    for (const [status, code, request] of cases) {
      const res = await send(world, request);
      expect(res.statusCode, `${request.method} ${request.url.slice(0, 80)}: ${res.body.slice(0, 200)}`).toBe(
        status,
      );
      expect(res.json().error.code).toBe(code);
    }
  });
});
