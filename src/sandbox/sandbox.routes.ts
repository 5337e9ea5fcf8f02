/**
 * The sandbox network: a fake social platform served under `/sandbox`, so people, tests and
 * benchmarks can exercise Herald's whole publish path without an outside account. It behaves like a
 * real platform (OAuth with PKCE and rotating refresh tokens, rate limits, idempotency keys, errors
 * in its own shape) and Herald's adapter (src/platforms/sandbox.ts) reaches it only over HTTP.
 *
 * HTTP surface (under the mount, normally `/sandbox`):
 * - OAuth: `POST /oauth/register`, `GET|POST /oauth/authorize`, `POST /oauth/token`
 * - API (Bearer): `GET /api/me`, `POST /api/media`, `POST|GET /api/posts`,
 *   `GET|DELETE /api/posts/:id`, `GET /api/posts/:id/metrics`, `GET /api/posts/:id/comments`
 *   (its replies at every depth, oldest first, `?cursor=&limit=`; replying is `POST /api/posts`
 *   with `reply_to_id`, from any account)
 * - Admin (open): `POST /admin/accounts`, `GET|PUT /admin/accounts/:username/knobs`
 * - Pages: `GET /`, `GET /@:username`, `GET /@:username/posts/:id`, `GET /posts/:id`,
 *   `GET /media/:id`, `GET /avatars/:username.svg`
 */
import type { Deps } from '../deps.ts';
import type { Routes } from '../http/plugin.ts';
import { adminRoutes } from './admin.routes.ts';
import { apiRoutes } from './api.routes.ts';
import { installSandboxErrorHandler } from './errors.ts';
import { oauthRoutes } from './oauth.routes.ts';
import { pageRoutes } from './pages.routes.ts';
import { siteAt } from './site.ts';

export function sandboxRoutes(deps: Deps): Routes {
  return async (app) => {
    const site = siteAt(app.prefix);
    // The sandbox is another platform, not part of Herald's API: keep it out of the OpenAPI document.
    app.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
    installSandboxErrorHandler(app);
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    await app.register(oauthRoutes(deps, site), { prefix: '/oauth' });
    await app.register(apiRoutes(deps, site), { prefix: '/api' });
    await app.register(adminRoutes(deps, site), { prefix: '/admin' });
    await app.register(pageRoutes(deps, site));
  };
}
