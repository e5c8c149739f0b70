import { sql } from "drizzle-orm";
import { engineOf, prepared, rowsOf, type DbOrTx } from "@/db/client";
import type { QuietHours, Severity } from "@/db/schema/values";
import type { FloodLimit } from "@/lib/validation/channel-fields";
import type { Target } from "./matching";
import { heldForQuietHours, quietDigestKey } from "./quiet-hours";

/**
 * What a channel's own settings do to an event sent to it at once: quiet hours
 * (lib/events/quiet-hours.ts) hold it for the next working window, or flood
 * control (lib/events/flood.ts) counts it. Read once per ingest call, for the
 * org's enabled channels that have either.
 */
export type ChannelPolicy = { flood: FloodLimit | null; quiet: QuietHours | null };

export async function loadChannelPolicies(db: DbOrTx, orgId: string): Promise<Map<string, ChannelPolicy>> {
  const rows =
    engineOf(db) === "postgres"
      ? await rowsOf<{ id: string; flood_limit: number | null; flood_minutes: number; quiet_hours: QuietHours | null }>(
          db,
          sql`SELECT id, flood_limit, flood_minutes, quiet_hours FROM channels
               WHERE org_id = ${orgId} AND enabled AND (flood_limit IS NOT NULL OR quiet_hours IS NOT NULL)`,
        )
      : (
          prepared(
            db,
            "SELECT id, flood_limit, flood_minutes, quiet_hours FROM channels WHERE org_id = ? AND enabled = 1 AND (flood_limit IS NOT NULL OR quiet_hours IS NOT NULL)",
          ).all(orgId) as { id: string; flood_limit: number | null; flood_minutes: number; quiet_hours: string | null }[]
        ).map((r) => ({ ...r, quiet_hours: r.quiet_hours === null ? null : (JSON.parse(r.quiet_hours) as QuietHours) }));
  return new Map(rows.map((r) => [r.id, { flood: r.flood_limit === null ? null : { limit: r.flood_limit, minutes: r.flood_minutes }, quiet: r.quiet_hours }]));
}

/** Held for quiet hours (into the digest `key`, due when working hours begin), counted for flood control, or sent as it is (null). */
export type Shaping = { hold: { key: string; due: number } } | { flood: FloodLimit } | null;

/** Only immediate sends of real events are shaped: a digest rule has its own window, a test alert is sent at once. */
export function shapingOf(policies: Map<string, ChannelPolicy>, target: Target, event: { severity: Severity; isTest?: boolean }, now: number): Shaping {
  if (target.mode !== "immediate" || event.isTest) return null;
  const policy = policies.get(target.channelId);
  if (!policy) return null;
  const until = policy.quiet ? heldForQuietHours(policy.quiet, event.severity, now) : null;
  if (until !== null) return { hold: { key: quietDigestKey(target.channelId, until), due: until } };
  return policy.flood ? { flood: policy.flood } : null;
}
