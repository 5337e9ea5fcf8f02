import { sql } from 'drizzle-orm';
import { hashPassword } from '../../crypto/hashing.ts';
import type { Queryable } from '../../db/client.ts';
import { users } from '../../db/schema.ts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../errors.ts';
import { recordAudit } from './audit.ts';
import { defaultName, insertUser, type PublicUser } from './create-user.ts';
import { insertWorkspace, type MyWorkspace } from './create-workspace.ts';
import { checkNewPassword, parseEmail } from './credentials.ts';

/** Key of the transaction-scoped advisory lock that serialises first-run setups ("hrld"). */
const SETUP_LOCK_KEY = 0x68726c64;

async function anyUserExists(db: Queryable): Promise<boolean> {
  const [row] = await db
    .select({ one: sql<number>`1` })
    .from(users)
    .limit(1);
  return row !== undefined;
}

/** True until the first user exists: the UI shows the setup form instead of the login form. */
export async function isSetupNeeded(deps: Deps): Promise<boolean> {
  return !(await anyUserExists(deps.db));
}

/**
 * First-run setup: creates the first user (an instance admin) and the first workspace with them as
 * its admin. Once any user exists it is a `conflict`.
 *
 * Race: two setups at once must yield exactly one admin. Both take the same advisory lock inside
 * their transaction, so the second waits, then sees the first's user and fails. (On PGlite the
 * transactions are serialised anyway; the lock is what makes it hold on a shared PostgreSQL.)
 */
export async function setupInstance(
  deps: Deps,
  options: { email: string; password: string; name: string; workspaceName: string },
): Promise<{ user: PublicUser; workspace: MyWorkspace }> {
  const email = parseEmail(options.email);
  checkNewPassword(options.password);
  if (!(await isSetupNeeded(deps))) throw alreadySetUp();
  const passwordHash = await hashPassword(options.password);
  return deps.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${SETUP_LOCK_KEY})`);
    if (await anyUserExists(tx)) throw alreadySetUp();
    const user = await insertUser(tx, {
      email,
      name: options.name.trim() || defaultName(email),
      passwordHash,
      isInstanceAdmin: true,
    });
    const workspace = await insertWorkspace(tx, { name: options.workspaceName, ownerId: user.id });
    await recordAudit(tx, {
      workspaceId: workspace.id,
      actorUserId: user.id,
      action: 'instance.setup',
      entityType: 'user',
      entityId: user.id,
      data: { email: user.email, workspaceId: workspace.id, workspaceName: workspace.name },
      at: deps.clock.now(),
    });
    return { user, workspace };
  });
}

const alreadySetUp = () =>
  new AppError('conflict', 'Herald is already set up; log in, or ask an admin to add you to a workspace');
