import type { Deps } from '../deps.ts';
import type { Routes } from '../http/plugin.ts';

export function sandboxRoutes(_deps: Deps): Routes {
  return async () => {};
}
