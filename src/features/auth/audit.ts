/**
 * The audit log: who did what to which entity. Written inside the same transaction as the change it
 * describes, so a change and its record exist together or not at all. Never put a secret in `data`.
 */
import type { Queryable } from '../../db/client.ts';
import { auditLog } from '../../db/schema.ts';

export type AuditEntry = {
  /** null for instance-wide events (login, setup before the workspace exists). */
  workspaceId: string | null;
  actorUserId: string | null;
  /** `<entity>.<verb>`: `user.login`, `api_token.create`, `member.role_change`, … */
  action: string;
  entityType: string;
  entityId: string | null;
  data?: Record<string, unknown>;
  at: Date;
};

export async function recordAudit(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    workspaceId: entry.workspaceId,
    actorUserId: entry.actorUserId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    data: entry.data ?? {},
    createdAt: entry.at,
  });
}
