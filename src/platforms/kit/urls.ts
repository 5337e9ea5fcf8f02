import type { AdapterContext } from '../types.ts';

/** A base URL without its trailing slashes, so paths can be appended. */
export const trimSlashes = (url: string): string => url.replace(/\/+$/, '');

/** A URL-valued app setting (`authBaseUrl`, `tokenBaseUrl`, …), trimmed; null when unset or empty. */
export function urlSetting(ctx: AdapterContext, name: string): string | null {
  const value = ctx.app.settings[name];
  return typeof value === 'string' && value ? trimSlashes(value) : null;
}

/** The API's base: the app's base URL (self-hosted servers, the sandbox, tests), else the platform's own. */
export const apiBaseOf = (ctx: AdapterContext, platformUrl: string): string =>
  trimSlashes(ctx.app.baseUrl ?? platformUrl);

/**
 * Where a platform's consent page (and often its token endpoint) lives when it is another host than
 * the API: `settings.authBaseUrl`, else the app's base URL (a test or proxy), else the platform's own.
 */
export const authBaseOf = (ctx: AdapterContext, platformUrl: string): string =>
  urlSetting(ctx, 'authBaseUrl') ?? apiBaseOf(ctx, platformUrl);
