/**
 * A Ghost Admin API as Ghost's documentation describes it, for the adapter's tests: Admin API keys
 * checked as Ghost does (JWT with `kid` lookup, HS256 over the hex-decoded secret, `aud` `/admin/`,
 * at most 5 minutes between `iat` and `exp`), the `{"posts": […]}` envelope, `?source=html`, tags
 * (internal `#tags` get `hash-` slugs), `filter=tag:<slug>`, `updated_at` collision detection (409),
 * 204 on delete, multipart image upload, and `{"errors": […]}` bodies. Knobs inject faults.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type StoredPost = {
  id: string;
  uuid: string;
  title: string;
  slug: string;
  html: string | null;
  lexical: string | null;
  status: string;
  tags: { id: string; name: string; slug: string }[];
  feature_image: string | null;
  feature_image_alt: string | null;
  visibility: string;
  featured: boolean;
  custom_excerpt: string | null;
  newsletter: string | null;
  created_at: string;
  updated_at: string;
  published_at: string | null;
};
type Fault = {
  method?: string;
  path: RegExp;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  times: number;
};

export type GhostServer = Awaited<ReturnType<typeof startGhostServer>>;

const objectId = () => randomBytes(12).toString('hex');
const slugify = (name: string): string =>
  name.startsWith('#')
    ? `hash-${slugify(name.slice(1))}`
    : name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '');

export async function startGhostServer(options: { now?: () => Date } = {}) {
  const now = options.now ?? (() => new Date());
  const keys = new Map<string, string>();
  const posts = new Map<string, StoredPost>();
  const images: { url: string; ref: string | null; type: string; size: number }[] = [];
  const faults: Fault[] = [];
  const tokens: { header: Record<string, unknown>; payload: Record<string, unknown> }[] = [];
  const requests: {
    method: string;
    path: string;
    query: URLSearchParams;
    headers: IncomingMessage['headers'];
  }[] = [];
  const state = {
    /** Someone saves the post in Ghost Admin between Herald's read and its update, this many times. */
    concurrentEdits: 0,
  };
  let clockTick = 0;
  const stamp = () => new Date(now().getTime() + clockTick++).toISOString();

  function addIntegration() {
    const id = objectId();
    const secret = randomBytes(32).toString('hex');
    keys.set(id, secret);
    return `${id}:${secret}`;
  }

  const send = (
    res: ServerResponse,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, body === undefined ? headers : { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const error = (
    res: ServerResponse,
    status: number,
    type: string,
    message: string,
    extra: Record<string, unknown> = {},
  ) => send(res, status, { errors: [{ message, type, context: null, id: objectId(), ...extra }] });

  /** Ghost's admin key authentication, or the reason it fails. */
  function authenticate(req: IncomingMessage): string | null {
    const token = /^Ghost (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return 'Authorization header format is "Authorization: Ghost [token]"';
    const [h, p, s] = token.split('.');
    if (!h || !p || !s) return 'Invalid token';
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    tokens.push({ header, payload });
    const secret = keys.get(String(header.kid));
    if (!secret) return 'Unknown Admin API Key';
    if (header.alg !== 'HS256') return 'Invalid token: algorithm';
    const expected = createHmac('sha256', Buffer.from(secret, 'hex')).update(`${h}.${p}`).digest('base64url');
    if (expected !== s) return 'Invalid token: invalid signature';
    if (payload.aud !== '/admin/') return 'Invalid token: jwt audience invalid';
    if (payload.exp - payload.iat > 300) return 'Invalid token: Token lifetime exceeded (max 5 minutes)';
    const t = Math.floor(now().getTime() / 1000);
    if (payload.exp < t) return 'Invalid token: jwt expired';
    if (payload.iat > t + 60) return 'Invalid token: jwt issued in the future';
    return null;
  }

  function tagsOf(input: unknown): StoredPost['tags'] {
    return (Array.isArray(input) ? input : []).map((t) => {
      const name = typeof t === 'string' ? t : String((t as { name?: unknown }).name ?? '');
      return { id: objectId(), name, slug: slugify(name) };
    });
  }

  const postJson = (p: StoredPost, fields: string | null) => {
    const full = {
      ...p,
      url: p.status === 'published' ? `https://blog.example/${p.slug}/` : `https://blog.example/p/${p.uuid}/`,
    };
    if (!fields) return full;
    return Object.fromEntries(fields.split(',').map((f) => [f, (full as Record<string, unknown>)[f]]));
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/^\/ghost\/api\/admin/, '');
    requests.push({ method, path, query: url.searchParams, headers: req.headers });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);

    if (!url.pathname.startsWith('/ghost/api/admin/'))
      return error(res, 404, 'NotFoundError', 'Resource not found');
    const fault = faults.find((f) => f.times > 0 && f.path.test(path) && (!f.method || f.method === method));
    if (fault) {
      fault.times--;
      return send(res, fault.status, fault.body, fault.headers);
    }
    if (method === 'GET' && path === '/site/') {
      return send(res, 200, {
        site: {
          title: 'Herald Blog',
          description: 'Testing',
          logo: null,
          icon: 'https://blog.example/icon.png',
          url: 'https://blog.example/',
          version: '6.0',
        },
      });
    }
    const problem = authenticate(req);
    if (problem) return error(res, 401, 'UnauthorizedError', problem, { code: 'INVALID_JWT' });

    if (method === 'POST' && path === '/images/upload/') {
      const form = await new Request('http://x/', {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body: new Uint8Array(raw),
      }).formData();
      const file = form.get('file');
      if (!(file instanceof Blob)) return error(res, 422, 'ValidationError', 'Please select an image.');
      if (!/^image\/(jpeg|png|gif|webp|svg\+xml)$/.test(file.type)) {
        return error(res, 415, 'UnsupportedMediaTypeError', 'Please select a valid image.');
      }
      const name = (file as File).name ?? 'image';
      const image = {
        url: `https://blog.example/content/images/2030/01/${name}`,
        ref: (form.get('ref') as string | null) ?? null,
        type: file.type,
        size: file.size,
      };
      images.push(image);
      return send(res, 201, { images: [{ url: image.url, ref: image.ref }] });
    }
    if (method === 'GET' && path === '/posts/') {
      const filter = url.searchParams.get('filter');
      const tag = filter ? /^tag:([\w-]+)$/.exec(filter)?.[1] : null;
      if (filter && !tag) return error(res, 400, 'BadRequestError', 'unsupported filter in the test server');
      const limit = Number(url.searchParams.get('limit') ?? 15);
      const list = [...posts.values()]
        .filter((p) => !tag || p.tags.some((t) => t.slug === tag))
        .slice(0, limit);
      return send(res, 200, {
        posts: list.map((p) => postJson(p, url.searchParams.get('fields'))),
        meta: { pagination: { page: 1, limit, total: list.length } },
      });
    }
    if (method === 'POST' && path === '/posts/') {
      const body = JSON.parse(raw.toString('utf8'));
      const input = body.posts?.[0];
      if (!input) return error(res, 422, 'ValidationError', "No root key ('posts') provided.");
      if (!input.title)
        return error(res, 422, 'ValidationError', 'Validation error, cannot save post.', {
          context: 'Value in [posts.title] cannot be blank.',
          property: 'title',
        });
      const source = url.searchParams.get('source');
      if (input.html !== undefined && source !== 'html') {
        return error(res, 422, 'ValidationError', 'html given without ?source=html');
      }
      if (input.lexical !== undefined) JSON.parse(input.lexical);
      const at = stamp();
      const slug = slugify(input.slug ?? input.title);
      const stored: StoredPost = {
        id: objectId(),
        uuid: randomBytes(16).toString('hex'),
        title: input.title,
        slug,
        html: input.html ?? null,
        lexical: input.lexical ?? null,
        status: input.status ?? 'draft',
        tags: tagsOf(input.tags),
        feature_image: input.feature_image ?? null,
        feature_image_alt: input.feature_image_alt ?? null,
        visibility: input.visibility ?? 'public',
        featured: input.featured ?? false,
        custom_excerpt: input.custom_excerpt ?? null,
        newsletter: url.searchParams.get('newsletter'),
        created_at: at,
        updated_at: at,
        published_at: input.status === 'published' ? at : null,
      };
      posts.set(stored.id, stored);
      return send(res, 201, { posts: [postJson(stored, null)] });
    }
    const one = /^\/posts\/([0-9a-f]{24})\/$/.exec(path);
    if (one) {
      const stored = posts.get(one[1]!);
      if (!stored) return error(res, 404, 'NotFoundError', 'Post not found.');
      if (method === 'GET') return send(res, 200, { posts: [postJson(stored, null)] });
      if (method === 'DELETE') {
        posts.delete(stored.id);
        return send(res, 204);
      }
      if (method === 'PUT') {
        const input = JSON.parse(raw.toString('utf8')).posts?.[0] ?? {};
        if (state.concurrentEdits > 0) {
          state.concurrentEdits--;
          stored.updated_at = stamp();
        }
        if (!input.updated_at)
          return error(res, 422, 'ValidationError', 'Validation error, cannot edit post.', {
            context: 'Value in [posts.updated_at] cannot be blank.',
          });
        if (input.updated_at !== stored.updated_at) {
          return error(
            res,
            409,
            'UpdateCollisionError',
            'Saving failed! Someone else is editing this post.',
            { code: 'UPDATE_COLLISION' },
          );
        }
        const { updated_at: _u, ...changes } = input;
        Object.assign(stored, changes, { updated_at: stamp() });
        if (changes.status === 'published' && !stored.published_at) stored.published_at = stored.updated_at;
        if (url.searchParams.get('newsletter')) stored.newsletter = url.searchParams.get('newsletter');
        return send(res, 200, { posts: [postJson(stored, null)] });
      }
    }
    return error(res, 404, 'NotFoundError', 'Resource not found');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => error(res, 500, 'InternalServerError', String(e)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    posts,
    images,
    tokens,
    requests,
    addIntegration,
    removeIntegration: (key: string) => keys.delete(key.split(':')[0]!),
    fail(fault: Omit<Fault, 'times'> & { times?: number }) {
      faults.push({ times: 1, ...fault });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
