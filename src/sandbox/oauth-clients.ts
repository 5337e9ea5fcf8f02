/** OAuth clients of the sandbox (RFC 7591 dynamic registration). Secrets are stored as sha256. */
import { timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { randomToken, sha256 } from '../crypto/hashing.ts';
import { sandboxClients } from '../db/schema.ts';
import type { Deps } from '../deps.ts';

export type SandboxClient = typeof sandboxClients.$inferSelect;

const redirectUri = z
  .url({ protocol: /^https?$/ })
  .refine((u) => !u.includes('#'), 'must not contain a fragment (RFC 6749 §3.1.2)');

export const registerClientBody = z.object({
  client_name: z.string().trim().min(1).max(100),
  redirect_uris: z.array(redirectUri).min(1).max(10),
});

export async function registerClient(
  deps: Deps,
  options: { name: string; redirectUris: string[] },
): Promise<{ client: SandboxClient; clientSecret: string }> {
  const clientSecret = randomToken(32);
  const [client] = await deps.db
    .insert(sandboxClients)
    .values({
      clientId: `sbx_client_${randomToken(12)}`,
      clientSecretHash: sha256(clientSecret),
      name: options.name,
      redirectUris: options.redirectUris,
      createdAt: deps.clock.now(),
    })
    .returning();
  return { client: client!, clientSecret };
}

export async function findClient(deps: Deps, clientId: string): Promise<SandboxClient | null> {
  const [client] = await deps.db.select().from(sandboxClients).where(eq(sandboxClients.clientId, clientId));
  return client ?? null;
}

/** The client, if the secret is right. Compares hashes in constant time. */
export async function authenticateClient(
  deps: Deps,
  options: { clientId: string; clientSecret: string },
): Promise<SandboxClient | null> {
  const client = await findClient(deps, options.clientId);
  if (!client) return null;
  const given = Buffer.from(sha256(options.clientSecret));
  const stored = Buffer.from(client.clientSecretHash);
  return given.length === stored.length && timingSafeEqual(given, stored) ? client : null;
}
