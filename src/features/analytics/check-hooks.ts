/**
 * What a check does besides reading metrics. Every check-back run calls each registered hook after
 * its snapshot is stored, with the adapter and fresh credentials in hand, so other features follow
 * the same schedule (the engagement inbox syncs a post's comments this way) instead of keeping a
 * second one. A hook that throws is logged and does not undo the snapshot.
 */
import type { trackedPosts } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import type { AdapterContext, Credentials, PlatformAdapter } from '../../platforms/types.ts';

export type CheckHookContext = {
  trackedPost: typeof trackedPosts.$inferSelect;
  adapter: PlatformAdapter;
  ctx: AdapterContext;
  credentials: Credentials;
  /** `scheduled` for a check on the schedule, `manual` for a refresh asked for by a member. */
  kind: 'scheduled' | 'manual';
};

export type CheckHook = { name: string; run(deps: Deps, context: CheckHookContext): Promise<void> };

const hooks: CheckHook[] = [];

/** Adds a hook to every check from now on (call once, at start). */
export function registerCheckHook(hook: CheckHook): void {
  if (!hooks.some((h) => h.name === hook.name)) hooks.push(hook);
}

export function checkHooks(): readonly CheckHook[] {
  return hooks;
}
