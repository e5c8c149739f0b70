import type { DbOrTx } from "@/db/client";
import type { Severity } from "@/db/schema/values";
import { wakeDispatchersOnCommit } from "@/db/wake";
import { BUILT_IN_EVENT_TYPES } from "./catalog";
import { storeEvents } from "./ingest";

/**
 * Events Herald raises about itself (DESIGN §3), stored and routed by the
 * org's rules like any producer's event, inside the caller's transaction so
 * the change and its event are written together or not at all.
 */
export type PlatformEventInput = {
  orgId: string;
  type: string;
  title: string;
  severity?: Severity;
  data: Record<string, unknown>;
  occurredAt?: Date;
  /** Channels the event must not go to (a flood notice never goes to the flooded channel). */
  excludeChannelIds?: readonly string[];
};

const DEFAULT_SEVERITY = new Map(BUILT_IN_EVENT_TYPES.map((t) => [t.key, t.defaultSeverity]));

export async function raisePlatformEvent(tx: DbOrTx, input: PlatformEventInput): Promise<void> {
  const [result] = await storeEvents(tx, input.orgId, [
    {
      key: null,
      type: input.type,
      productId: null,
      severity: input.severity ?? DEFAULT_SEVERITY.get(input.type) ?? "info",
      title: input.title,
      data: input.data,
      occurredAt: (input.occurredAt ?? new Date()).getTime(),
      source: "herald",
      excludeChannelIds: input.excludeChannelIds,
    },
  ]);
  if (result.deliveries > 0) await wakeDispatchersOnCommit(tx);
}

/** Audit actions that are also platform events (DESIGN §3: the CIPP-style change notifications). */
const AUDITED_EVENTS = new Set([
  "account.created",
  "account.removed",
  "channel.created",
  "channel.removed",
  "rule.created",
  "rule.removed",
  "token.created",
  "token.revoked",
  "silence.created",
  "silence.expired",
]);

export type AuditedChange = {
  orgId: string | null;
  actor: { label: string; type: string };
  action: string;
  target?: { type: string; id?: string; label?: string };
  details?: Record<string, unknown>;
};

/** Called by recordAudit for every change: raises the matching platform event, if any. */
export async function raiseFromAudit(tx: DbOrTx, change: AuditedChange): Promise<void> {
  if (!change.orgId || !AUDITED_EVENTS.has(change.action)) return;
  const [noun, verb] = change.action.split(".");
  const what = change.target?.label ? `${noun} ${change.target.label}` : noun;
  await raisePlatformEvent(tx, {
    orgId: change.orgId,
    type: change.action,
    title: `${what} ${verb} by ${change.actor.label}`.replace(/^./, (c) => c.toUpperCase()),
    data: {
      actor: change.actor.label,
      ...(change.target?.label ? { target: change.target.label } : {}),
      ...(change.target?.id ? { targetId: change.target.id } : {}),
      ...(change.details ?? {}),
    },
  });
}
