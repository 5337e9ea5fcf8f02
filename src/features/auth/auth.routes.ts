import type { Deps } from '../../deps.ts';
import type { Routes } from '../../http/plugin.ts';

export function authRoutes(_deps: Deps): Routes {
  return async () => {};
}
