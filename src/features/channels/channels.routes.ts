import type { Deps } from '../../deps.ts';
import type { Routes } from '../../http/plugin.ts';

export function channelRoutes(_deps: Deps): Routes {
  return async () => {};
}

export function oauthCallbackRoutes(_deps: Deps): Routes {
  return async () => {};
}
