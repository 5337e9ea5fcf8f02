/**
 * Every column that holds a value sealed by `deps.secrets` (src/crypto/secrets.ts). A new encrypted
 * column must be added here, or `herald secrets rotate` leaves it on the old key and the old key can
 * never be retired. Found by the schema's "Encrypted" comments and every `secrets.encrypt(` in src/.
 */
import { getTableName } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import { aiSettings, connections, oauthStates, platformApps, tokenHistory } from '../../db/schema.ts';

/** One encrypted column and the single-column primary key its rows are walked by. */
export type EncryptedColumn = {
  table: PgTable;
  id: AnyPgColumn;
  value: AnyPgColumn;
};

export const encryptedColumns: EncryptedColumn[] = [
  // OAuth client secrets, typed in or registered by Herald (Mastodon instances, the sandbox).
  { table: platformApps, id: platformApps.id, value: platformApps.clientSecret },
  // PKCE verifiers of connects in progress (short-lived rows, deleted when used or expired).
  { table: oauthStates, id: oauthStates.id, value: oauthStates.codeVerifier },
  { table: connections, id: connections.id, value: connections.accessToken },
  { table: connections, id: connections.id, value: connections.refreshToken },
  // Earlier tokens, copied sealed from `connections` when they rotate (save- and refresh-connection).
  { table: tokenHistory, id: tokenHistory.id, value: tokenHistory.accessToken },
  { table: tokenHistory, id: tokenHistory.id, value: tokenHistory.refreshToken },
  // AI provider keys (OpenAI-compatible, Anthropic), one per workspace.
  { table: aiSettings, id: aiSettings.workspaceId, value: aiSettings.apiKey },
];

/** `connections.access_token`: how reports name a column. */
export const columnLabel = (column: EncryptedColumn) => ({
  table: getTableName(column.table),
  column: column.value.name,
});
