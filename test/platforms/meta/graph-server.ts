/**
 * The common part of the local Meta protocol servers (Facebook Graph, Instagram, Threads): routing
 * with `:param` segments, parameters from the query and the form body alike (as Meta reads them),
 * the Graph error envelope, usage headers, a container state machine, media hosting (Meta downloads
 * media by URL, so the servers fetch it), and fault injection.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type GraphRequest = {
  method: string;
  path: string;
  params: Record<string, string>;
  /** Query and form body merged, as the Graph API treats them. */
  args: URLSearchParams;
  multipart: FormData | null;
  token: string | null;
  headers: IncomingMessage['headers'];
};

export type GraphReply = {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  redirect?: string;
};

export type Route = {
  method: string;
  pattern: string;
  handle(req: GraphRequest): GraphReply | Promise<GraphReply>;
};

export type GraphFault = {
  /** `METHOD /path` where a segment may be `*`. */
  route: string;
  status: number;
  error?: { message: string; type?: string; code: number; error_subcode?: number; is_transient?: boolean };
  headers?: Record<string, string>;
  /** Do the work, then answer with the fault (the reply is lost on the way back). */
  afterCommit?: boolean;
  /** Only requests whose query or body contains this string. */
  when?: string;
  times?: number;
};

export function graphError(
  status: number,
  code: number,
  message: string,
  extra: { subcode?: number; type?: string; userMessage?: string } = {},
): GraphReply {
  return {
    status,
    body: {
      error: {
        message,
        type: extra.type ?? 'OAuthException',
        code,
        ...(extra.subcode !== undefined ? { error_subcode: extra.subcode } : {}),
        ...(extra.userMessage ? { error_user_msg: extra.userMessage } : {}),
        fbtrace_id: randomBytes(6).toString('hex'),
      },
    },
  };
}

export const expiredToken = () =>
  graphError(401, 190, 'Error validating access token: Session has expired.', { subcode: 463 });

export type GraphServer = {
  base: string;
  faults: GraphFault[];
  requests: string[];
  /** Headers added to every reply (usage reports). */
  usageHeaders: Record<string, string>;
  /** Serves bytes at a URL on this server, as a public media host would. */
  hostMedia(name: string, bytes: Uint8Array, type: string): string;
  close(): Promise<void>;
};

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function matchPattern(pattern: string, path: string): Record<string, string> | null {
  const a = pattern.split('/');
  const b = path.split('/');
  if (a.length !== b.length) return null;
  const params: Record<string, string> = {};
  for (const [i, seg] of a.entries()) {
    if (seg.startsWith(':')) params[seg.slice(1)] = decodeURIComponent(b[i]!);
    else if (seg !== b[i]) return null;
  }
  return params;
}

export async function startGraphServer(routes: Route[]): Promise<GraphServer> {
  const faults: GraphFault[] = [];
  const requests: string[] = [];
  const usageHeaders: Record<string, string> = {};
  const media = new Map<string, { bytes: Uint8Array; type: string }>();

  function takeFault(method: string, path: string, payload: string): GraphFault | null {
    for (const fault of faults) {
      const [m, p] = fault.route.split(' ');
      if (m !== method || !matchPattern(p!.replace(/\*/g, ':any'), path)) continue;
      if (fault.when && !payload.includes(fault.when)) continue;
      if (fault.times !== undefined && --fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
      return fault;
    }
    return null;
  }

  const write = (res: ServerResponse, reply: GraphReply) => {
    if (reply.redirect) {
      res.writeHead(302, { location: reply.redirect });
      return void res.end();
    }
    res.writeHead(reply.status ?? 200, {
      'content-type': 'application/json',
      ...usageHeaders,
      ...reply.headers,
    });
    res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
  };

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://graph.test');
      const raw = await readBody(req);
      const method = req.method ?? 'GET';
      if (method === 'GET' && url.pathname.startsWith('/_media/')) {
        const item = media.get(url.pathname.slice('/_media/'.length));
        if (!item) return write(res, { status: 404, body: 'not found' });
        res.writeHead(200, { 'content-type': item.type });
        return void res.end(Buffer.from(item.bytes));
      }
      requests.push(`${method} ${url.pathname}`);
      const contentType = String(req.headers['content-type'] ?? '');
      const args = new URLSearchParams(url.search);
      let multipart: FormData | null = null;
      if (contentType.startsWith('application/x-www-form-urlencoded')) {
        for (const [k, v] of new URLSearchParams(raw.toString())) args.set(k, v);
      } else if (contentType.startsWith('multipart/form-data')) {
        multipart = await new Response(new Uint8Array(raw), {
          headers: { 'content-type': contentType },
        }).formData();
        for (const [k, v] of multipart) if (typeof v === 'string') args.set(k, v);
      }
      const header = req.headers.authorization ?? '';
      const token =
        header.startsWith('Bearer ') || header.startsWith('OAuth ')
          ? header.slice(header.indexOf(' ') + 1)
          : args.get('access_token');
      const route = routes.find((r) => r.method === method && matchPattern(r.pattern, url.pathname));
      const request: GraphRequest = {
        method,
        path: url.pathname,
        params: route ? matchPattern(route.pattern, url.pathname)! : {},
        args,
        multipart,
        token,
        headers: req.headers,
      };
      const fault = takeFault(method, url.pathname, `${url.search} ${raw.toString('latin1')}`);
      const faultReply = (f: GraphFault): GraphReply => ({
        status: f.status,
        headers: f.headers,
        body: {
          error: f.error ?? {
            message: 'An unexpected error has occurred. Please retry your request later.',
            type: 'OAuthException',
            code: 2,
            is_transient: true,
          },
        },
      });
      if (fault && !fault.afterCommit) return write(res, faultReply(fault));
      if (!route)
        return write(
          res,
          graphError(400, 100, `Unsupported ${method} request: ${url.pathname}`, {
            type: 'GraphMethodException',
          }),
        );
      const reply = await route.handle(request);
      write(res, fault ? faultReply(fault) : reply);
    } catch (error) {
      write(res, {
        status: 500,
        body: { error: { message: String(error), code: 1, type: 'OAuthException' } },
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    faults,
    requests,
    usageHeaders,
    hostMedia(name, bytes, type) {
      media.set(name, { bytes, type });
      return `${base}/_media/${name}`;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The top-level names in a `fields` parameter: `id,from{id,name},parent{id}` → id, from, parent. */
export function topLevelFields(fields: string | null): Set<string> {
  let flat = fields ?? '';
  for (;;) {
    const outer = flat.replace(/\{[^{}]*\}/g, '');
    if (outer === flat) break;
    flat = outer;
  }
  return new Set(flat.split(',').filter(Boolean));
}

/** What a field expansion asks of a nested edge: `replies{id,text}` → `id,text`, or null. */
export function nestedFields(fields: string | null, name: string): string | null {
  const text = `,${fields ?? ''}`;
  const at = text.indexOf(`,${name}{`);
  if (at < 0) return null;
  const open = at + name.length + 1;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    if (text[i] === '}' && --depth === 0) return text.slice(open + 1, i);
  }
  return null;
}

/**
 * Graph's cursor-based pagination over `items` (already in the edge's order): `limit` (25 by default,
 * at most 100), `after` continuing behind the item a cursor names, `paging.cursors` on every
 * non-empty page and `paging.next` only when more follow. Cursors are opaque to clients; here they
 * are an item's id in base64, so items added meanwhile do not shift a page.
 */
export function cursorPage<T extends { id: string }>(
  items: T[],
  req: GraphRequest,
  render: (item: T) => unknown,
): GraphReply {
  const limit = Math.min(100, Math.max(1, Number(req.args.get('limit') ?? 25) || 25));
  const cursorOf = (item: T) => Buffer.from(item.id).toString('base64');
  let start = 0;
  const after = req.args.get('after');
  if (after) {
    const at = items.findIndex((item) => cursorOf(item) === after);
    if (at < 0) return graphError(400, 100, 'Invalid cursor: after', { type: 'GraphMethodException' });
    start = at + 1;
  }
  const slice = items.slice(start, start + limit);
  if (!slice.length) return { body: { data: [] } };
  const next = new URLSearchParams(req.args);
  next.delete('access_token');
  next.set('after', cursorOf(slice.at(-1)!));
  return {
    body: {
      data: slice.map(render),
      paging: {
        cursors: { before: cursorOf(slice[0]!), after: cursorOf(slice.at(-1)!) },
        ...(start + limit < items.length ? { next: `https://graph.example${req.path}?${next}` } : {}),
      },
    },
  };
}

/** Meta downloads media itself; a URL it cannot fetch fails the container. */
export async function fetchMedia(url: string): Promise<{ ok: boolean; type: string | null; size: number }> {
  try {
    const response = await fetch(url);
    const bytes = await response.arrayBuffer();
    return { ok: response.ok, type: response.headers.get('content-type'), size: bytes.byteLength };
  } catch {
    return { ok: false, type: null, size: 0 };
  }
}

export type ContainerStatus = 'IN_PROGRESS' | 'FINISHED' | 'PUBLISHED' | 'ERROR' | 'EXPIRED';

export type Container = {
  id: string;
  owner: string;
  mediaType: string;
  text: string | null;
  mediaUrl: string | null;
  children: string[];
  isCarouselItem: boolean;
  replyTo: string | null;
  args: Record<string, string>;
  status: ContainerStatus;
  /** Status polls left before processing ends. */
  pollsLeft: number;
  errorMessage: string | null;
  publishedId: string | null;
};

/** The container lifecycle shared by Instagram and Threads: IN_PROGRESS → FINISHED | ERROR → PUBLISHED. */
export function containerLab(knobs: { pollsUntilFinished: number; failNextWith: string | null }) {
  const containers = new Map<string, Container>();
  let next = 17_900_000_000_000_000n;
  return {
    containers,
    newId: () => String(next++),
    create(
      fields: Omit<Container, 'id' | 'status' | 'pollsLeft' | 'errorMessage' | 'publishedId'>,
    ): Container {
      const id = String(next++);
      const fail = knobs.failNextWith;
      knobs.failNextWith = null;
      const slow =
        fields.mediaType === 'VIDEO' || fields.mediaType === 'REELS' || fields.mediaType === 'CAROUSEL';
      const container: Container = {
        ...fields,
        id,
        status: slow && knobs.pollsUntilFinished > 0 ? 'IN_PROGRESS' : fail ? 'ERROR' : 'FINISHED',
        pollsLeft: knobs.pollsUntilFinished,
        errorMessage: fail,
        publishedId: null,
      };
      containers.set(id, container);
      return container;
    },
    /** A status read: processing advances one step per read. */
    poll(id: string): Container | null {
      const c = containers.get(id);
      if (!c) return null;
      if (c.status === 'IN_PROGRESS' && --c.pollsLeft <= 0) c.status = c.errorMessage ? 'ERROR' : 'FINISHED';
      return c;
    },
  };
}
