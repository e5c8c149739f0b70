import type { DbOrTx } from "@/db/client";
import { auditEntries } from "@/db/schema";
import type { Actor } from "@/lib/auth/permissions";
import { raiseFromAudit } from "@/lib/events/platform";
import { newId } from "@/lib/ids";

export type AuditInput = {
  orgId: string | null;
  actor: Actor;
  /** Dotted verb, e.g. `member.added`, `token.revoked`. */
  action: string;
  target?: { type: string; id?: string; label?: string };
  details?: Record<string, unknown>;
};

/**
 * Records who did what. Call inside the transaction of the change itself: the
 * matching platform event (DESIGN §3: `account.created`, `token.revoked` …)
 * and its deliveries are written in the same transaction.
 */
export async function recordAudit(tx: DbOrTx, input: AuditInput) {
  await tx.insert(auditEntries).values({
    id: newId("aud"),
    orgId: input.orgId,
    actorType: input.actor.type,
    actorId: input.actor.id ?? null,
    actorLabel: input.actor.label,
    action: input.action,
    targetType: input.target?.type ?? null,
    targetId: input.target?.id ?? null,
    targetLabel: input.target?.label ?? null,
    details: input.details ?? null,
    createdAt: new Date(),
  });
  await raiseFromAudit(tx, input);
}
