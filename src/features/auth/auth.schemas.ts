/** Request and reply schemas of the auth, setup and workspace routes. */
import { z } from 'zod';
import { roles } from '../../db/schema.ts';
import { WORKSPACE_NAME_MAX } from './create-workspace.ts';
import { PASSWORD_MAX, PASSWORD_MIN } from './credentials.ts';

/** Trimmed and lower-cased before it is checked, so `" Ann@Example.COM "` is `ann@example.com`. */
export const emailInput = z.string().trim().toLowerCase().pipe(z.email().max(254));

export const newPasswordInput = z.string().min(PASSWORD_MIN).max(PASSWORD_MAX);

export const personNameInput = z.string().trim().min(1).max(100);

export const workspaceNameInput = z.string().trim().min(1).max(WORKSPACE_NAME_MAX);

export const roleInput = z.enum(roles);

export const userReply = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  isInstanceAdmin: z.boolean(),
});

export const myWorkspaceReply = z.object({
  id: z.uuid(),
  name: z.string(),
  slug: z.string(),
  role: roleInput,
});

export const setupStatusReply = z.object({ needed: z.boolean() });

export const setupBody = z.object({
  email: emailInput,
  password: newPasswordInput,
  name: personNameInput,
  workspaceName: workspaceNameInput,
});

export const setupReply = z.object({ user: userReply, workspace: myWorkspaceReply, csrfToken: z.string() });

export const loginBody = z.object({
  email: emailInput,
  // No minimum: the rules for new passwords may have been looser when this one was set.
  password: z.string().min(1).max(PASSWORD_MAX),
});

export const loginReply = z.object({ user: userReply, csrfToken: z.string() });

export const meReply = z.object({
  user: userReply,
  workspaces: z.array(myWorkspaceReply),
  /** The value for `X-CSRF-Token` on writes; null when the caller used an API token. */
  csrfToken: z.string().nullable(),
});

export const createWorkspaceBody = z.object({ name: workspaceNameInput });

export const workspacesReply = z.object({ workspaces: z.array(myWorkspaceReply) });
