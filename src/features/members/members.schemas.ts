import { z } from 'zod';
import { timestamp, uuidParam, workspaceParams } from '../../http/schemas.ts';
import { emailInput, newPasswordInput, personNameInput, roleInput } from '../auth/auth.schemas.ts';

export const memberReply = z.object({
  userId: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: roleInput,
  createdAt: timestamp,
});

export const membersReply = z.object({ members: z.array(memberReply) });

export const addMemberBody = z.object({
  email: emailInput,
  role: roleInput,
  /** Only used when the user is created. */
  name: personNameInput.optional(),
  /** Creates the user when no user has this email; refused for an existing user. */
  password: newPasswordInput.optional(),
});

export const changeRoleBody = z.object({ role: roleInput });

export const memberParams = workspaceParams.extend({ userId: uuidParam });
