/**
 * Test factories: users, workspaces, memberships, tokens and signed-in sessions, built through
 * Herald's own use-cases (or, where a shortcut is much faster, straight rows that satisfy the same
 * rules). Every factory takes `deps` (or the test Herald) and one options object; every default is
 * unique per call, so tests in one file never collide.
 *
 *   const team = await newTeam(herald);
 *   await herald.app.inject({ method: 'GET', url: `/api/workspaces/${team.workspace.id}/posts`,
 *                             headers: team.viewer.headers });
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { hashPassword } from '../../src/crypto/hashing.ts';
import { memberships, type Role, workspaces } from '../../src/db/schema.ts';
import type { Deps } from '../../src/deps.ts';
import { insertUser } from '../../src/features/auth/create-user.ts';
import { insertWorkspace } from '../../src/features/auth/create-workspace.ts';
import { createApiToken } from '../../src/features/tokens/create-api-token.ts';
import { CSRF_HEADER, SESSION_COOKIE } from '../../src/http/auth.ts';
import type { TestHerald } from './harness.ts';

/** The password every factory user has unless told otherwise. */
export const DEFAULT_PASSWORD = 'correct horse battery staple';

// argon2id is slow on purpose; hashing the default password once keeps factories fast.
let defaultHash: Promise<string> | undefined;
const hashFor = (password: string) => {
  if (password !== DEFAULT_PASSWORD) return hashPassword(password);
  defaultHash ??= hashPassword(DEFAULT_PASSWORD);
  return defaultHash;
};

const unique = () => randomUUID().slice(0, 8);

export type TestUser = {
  id: string;
  email: string;
  name: string;
  /** The clear-text password, for logging in. */
  password: string;
  isInstanceAdmin: boolean;
};

/** A user (not a member of anything). Email defaults to a unique `user-xxxx@example.test`. */
export async function newUser(
  deps: Deps,
  options: { email?: string; password?: string; name?: string; instanceAdmin?: boolean } = {},
): Promise<TestUser> {
  const tag = unique();
  const email = (options.email ?? `user-${tag}@example.test`).toLowerCase();
  const password = options.password ?? DEFAULT_PASSWORD;
  const user = await insertUser(deps.db, {
    email,
    name: options.name ?? `User ${tag}`,
    passwordHash: await hashFor(password),
    isInstanceAdmin: options.instanceAdmin ?? false,
  });
  return { ...user, password };
}

export type TestWorkspace = { id: string; name: string; slug: string };

/**
 * A workspace. With `owner` (a user id) the owner is its admin, as through the API; without one it
 * has no members at all (add them with `addMemberTo`).
 */
export async function newWorkspace(
  deps: Deps,
  options: { name?: string; owner?: string } = {},
): Promise<TestWorkspace> {
  const name = options.name ?? `Workspace ${unique()}`;
  if (options.owner) {
    const { id, slug } = await insertWorkspace(deps.db, { name, ownerId: options.owner });
    return { id, name, slug };
  }
  const [workspace] = await deps.db
    .insert(workspaces)
    .values({ name, slug: `test-${unique()}-${unique()}` })
    .returning({ id: workspaces.id, name: workspaces.name, slug: workspaces.slug });
  return workspace!;
}

/** Makes a user a member of a workspace with a role. */
export async function addMemberTo(
  deps: Deps,
  options: { workspaceId: string; userId: string; role: Role },
): Promise<void> {
  await deps.db.insert(memberships).values(options);
}

/** A fresh API token for the user: the string to send as `Authorization: Bearer <token>`. */
export async function tokenFor(deps: Deps, userId: string): Promise<string> {
  const { token } = await createApiToken(deps, { userId, name: `test token ${unique()}` });
  return token;
}

/** Headers that authenticate with an API token. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export type SignedIn = {
  /** `herald_session=<value>`, ready for a `cookie` header. */
  cookie: string;
  csrfToken: string;
  /** `cookie` and `x-csrf-token`: enough for any cookie-authenticated request, writes included. */
  headers: Record<string, string>;
};

/** Logs in through `POST /api/auth/login` and returns what a browser would hold. */
export async function signIn(
  herald: TestHerald,
  options: { email: string; password: string },
): Promise<SignedIn> {
  const res = await herald.app.inject({ method: 'POST', url: '/api/auth/login', payload: options });
  expect(res.statusCode, res.body).toBe(200);
  const session = res.cookies.find((c) => c.name === SESSION_COOKIE);
  if (!session) throw new Error('login set no session cookie');
  const cookie = `${SESSION_COOKIE}=${session.value}`;
  const csrfToken = (res.json() as { csrfToken: string }).csrfToken;
  return { cookie, csrfToken, headers: { cookie, [CSRF_HEADER]: csrfToken } };
}

export type TeamMember = TestUser & {
  token: string;
  /** Bearer headers for this member. */
  headers: Record<string, string>;
};

export type Team = {
  workspace: TestWorkspace;
  admin: TeamMember;
  user: TeamMember;
  viewer: TeamMember;
  /** Admin of `otherWorkspace`, member of nothing else: every `workspace` route must 404 for them. */
  outsider: TeamMember;
  otherWorkspace: TestWorkspace;
};

async function teamMember(deps: Deps, label: string): Promise<TeamMember> {
  const user = await newUser(deps, { email: `${label}-${unique()}@example.test`, name: label });
  const token = await tokenFor(deps, user.id);
  return { ...user, token, headers: bearer(token) };
}

/** A workspace with an admin, a user and a viewer, plus an outsider who has a workspace of their own. */
export async function newTeam(herald: TestHerald): Promise<Team> {
  const { deps } = herald;
  const [admin, user, viewer, outsider] = await Promise.all(
    ['admin', 'user', 'viewer', 'outsider'].map((label) => teamMember(deps, label)),
  );
  const workspace = await newWorkspace(deps, { owner: admin!.id });
  await addMemberTo(deps, { workspaceId: workspace.id, userId: user!.id, role: 'user' });
  await addMemberTo(deps, { workspaceId: workspace.id, userId: viewer!.id, role: 'viewer' });
  const otherWorkspace = await newWorkspace(deps, { owner: outsider!.id });
  return { workspace, admin: admin!, user: user!, viewer: viewer!, outsider: outsider!, otherWorkspace };
}
