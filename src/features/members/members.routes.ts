import type { Deps } from '../../deps.ts';
import type { Routes } from '../../http/plugin.ts';

export function memberRoutes(_deps: Deps): Routes {
  return async () => {};
}
