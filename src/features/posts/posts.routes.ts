import type { Deps } from '../../deps.ts';
import type { Routes } from '../../http/plugin.ts';

export function postRoutes(_deps: Deps): Routes {
  return async () => {};
}
