import type { DbOrTx } from "@/db/client";
import { auditEntries } from "@/db/schema";
import type { Actor } from "@/lib/auth/permissions";
import { newId } from "@/lib/ids";

export type AuditInput = {
  orgId: string | null;
  actor: Actor;
  /** Dotted verb, e.g. `member.added`, `token.revoked`. */
  action: string;
  target?: { type: string; id?: string; label?: string };
  details?: Record<string, unknown>;
};

type AuditListener = (tx: DbOrTx, entry: AuditInput & { id: string; at: Date }) => void;
const listeners: AuditListener[] = [];

/**
 * Lets another module react to audited changes inside the same transaction —
 * this is where platform events (DESIGN §3: `account.created`, `token.revoked` …)
 * are raised, so the change and its event are stored together or not at all.
 */
export function onAudit(listener: AuditListener) {
  listeners.push(listener);
}

/** Records who did what. Call inside the transaction of the change itself. */
export function recordAudit(tx: DbOrTx, input: AuditInput) {
  const entry = { ...input, id: newId("aud"), at: new Date() };
  tx.insert(auditEntries)
    .values({
      id: entry.id,
      orgId: input.orgId,
      actorType: input.actor.type,
      actorId: input.actor.id ?? null,
      actorLabel: input.actor.label,
      action: input.action,
      targetType: input.target?.type ?? null,
      targetId: input.target?.id ?? null,
      targetLabel: input.target?.label ?? null,
      details: input.details ?? null,
      createdAt: entry.at,
    })
    .run();
  for (const listener of listeners) listener(tx, entry);
}
