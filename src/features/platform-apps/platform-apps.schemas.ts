import { z } from 'zod';
import { timestamp } from '../../http/schemas.ts';

export const platformAppInput = z.object({
  platform: z.string().min(1).max(50),
  name: z.string().trim().min(1).max(200),
  clientId: z
    .string()
    .trim()
    .min(1)
    .max(500)
    .optional()
    .describe(
      'The OAuth client id. Leave it out for Mastodon (Herald registers itself on the instance at baseUrl) and for platforms that sign in with a form (Bluesky, Ghost)',
    ),
  clientSecret: z.string().min(1).max(2000).optional().describe('Stored encrypted; never returned'),
  scopes: z.array(z.string().min(1).max(200)).max(50).default([]),
  baseUrl: z
    .url()
    .max(500)
    .optional()
    .describe('The server, for platforms with many (a Mastodon instance, a Ghost site, a Bluesky PDS)'),
});
export type PlatformAppInput = z.infer<typeof platformAppInput>;

export const platformAppView = z
  .object({
    id: z.uuid(),
    workspaceId: z.uuid().nullable(),
    platform: z.string(),
    name: z.string(),
    clientId: z.string().nullable(),
    hasClientSecret: z.boolean(),
    scopes: z.array(z.string()),
    baseUrl: z.string().nullable(),
    isActive: z.boolean(),
    createdAt: timestamp,
  })
  .meta({ id: 'PlatformApp' });
