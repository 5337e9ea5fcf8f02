import { eq } from 'drizzle-orm';
import { sessions } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';

/** Logs a session out. `sessionId` is the stored id (the cookie's sha256); a missing one is no error. */
export async function endSession(deps: Deps, options: { sessionId: string }): Promise<void> {
  await deps.db.delete(sessions).where(eq(sessions.id, options.sessionId));
}
