import { z } from 'zod';
import { timestamp, uuidParam } from '../../http/schemas.ts';
import { MAX_EXPIRY_DAYS } from './create-api-token.ts';

export const createTokenBody = z.object({
  name: z.string().trim().min(1).max(100),
  /** Omitted: the token never expires. */
  expiresInDays: z.number().int().min(1).max(MAX_EXPIRY_DAYS).optional(),
});

export const newTokenReply = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  /** Shown once: store it now. */
  token: z.string(),
  expiresAt: timestamp.nullable(),
  createdAt: timestamp,
});

export const tokenSummary = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  lastUsedAt: timestamp.nullable(),
  expiresAt: timestamp.nullable(),
  revokedAt: timestamp.nullable(),
  createdAt: timestamp,
});

export const tokensReply = z.object({ tokens: z.array(tokenSummary) });

export const tokenParams = z.object({ id: uuidParam });
