import { prepared, type Db } from "@/db/client";
import { PENDING_DELIVERY } from "@/db/schema";
import { withWriteLock } from "@/db/write-lock";
import { recordOutcomes, type HealthChange, type OutcomeRecord } from "./outcomes";

/**
 * Claiming (DESIGN §5): one short write transaction — a single UPDATE …
 * RETURNING — marks due deliveries `sending` with a lease in this worker's
 * name. Two workers can never hold the same delivery, and a worker that dies
 * leaves leases that expire and are claimed again (at-least-once).
 */

export type ClaimedDelivery = {
  id: string;
  orgId: string;
  channelId: string;
  ruleId: string | null;
  productId: string | null;
  /** Attempts made before this one in the current series. */
  attemptCount: number;
  leasedUntil: number;
  isTest: boolean;
};

export type ClaimOptions = {
  owner: string;
  limit: number;
  leaseMs: number;
  now?: number;
  /** Channels this worker will not take more of right now (its own backlog for them is full). */
  skipChannels?: readonly string[];
  /** Claim only these deliveries (a test alert sends its own deliveries now; lib/test-alert). */
  onlyIds?: readonly string[];
  /** Also take over deliveries whose lease expired (a worker that died); true unless told. */
  expiredLeases?: boolean;
};

type Row = {
  id: string;
  org_id: string;
  channel_id: string;
  rule_id: string | null;
  product_id: string | null;
  attempt_count: number;
  leased_until: number;
  is_test: number;
  next_attempt_at: number;
  created_at: number;
  digest_key: string | null;
};

// A digest still collecting events has next_attempt_at = the end of its window,
// so "due" already means "window closed"; its digest_key is cleared in the same
// transaction so events arriving later open a new digest instead of joining a message in flight.
// Deliveries of a disabled channel (health or the enabled switch) are left queued: they wait.
// Two sub-selects instead of one OR: each walks the (status, next_attempt_at)
// index and stops at the limit, where an OR would sort every due row per claim.
const claimSql = (skipCount: number, onlyIds: boolean, expiredLeases: boolean) => {
  const skip = skipCount ? `AND d.channel_id NOT IN (${Array.from({ length: skipCount }, (_, i) => `@skip${i}`).join(", ")})` : "";
  // Named deliveries (a test alert's) are looked up by id — CROSS JOIN fixes that
  // order — instead of walking every due row of a possibly long queue.
  const from = onlyIds
    ? "json_each(@only) j CROSS JOIN deliveries d ON d.id = j.value JOIN channels c ON c.id = d.channel_id"
    : "deliveries d JOIN channels c ON c.id = d.channel_id";
  const due = `
       SELECT d.id FROM ${from}
        WHERE d.${PENDING_DELIVERY} AND d.status = 'queued' AND d.next_attempt_at <= @now AND c.enabled = 1 AND c.health <> 'disabled' ${skip}
        ORDER BY d.next_attempt_at
        LIMIT @limit`;
  // Expired leases are found by reading every delivery being sent (the index orders them
  // by next_attempt_at, not by lease): a worker looks for them now and then, not at every claim.
  const expired = `
       SELECT d.id FROM ${from}
        WHERE d.${PENDING_DELIVERY} AND d.status = 'sending' AND d.leased_until < @now AND c.enabled = 1 AND c.health <> 'disabled' ${skip}
        LIMIT @limit`;
  return `
  UPDATE deliveries
     SET status = 'sending', leased_until = @leasedUntil, lease_owner = @owner, updated_at = @now
   WHERE id IN (${expiredLeases ? `SELECT id FROM (${expired}) UNION ALL SELECT id FROM (${due}) LIMIT @limit` : due})
  RETURNING id, org_id, channel_id, rule_id, product_id, attempt_count, leased_until, is_test, next_attempt_at, created_at, digest_key`;
};

export function claimDueDeliveries(db: Db, options: ClaimOptions): ClaimedDelivery[] {
  if (options.limit <= 0) return [];
  const now = options.now ?? Date.now();
  const skip = options.skipChannels ?? [];
  const params: Record<string, unknown> = {
    now,
    owner: options.owner,
    leasedUntil: now + options.leaseMs,
    limit: options.limit,
  };
  skip.forEach((id, i) => (params[`skip${i}`] = id));
  if (options.onlyIds) params.only = JSON.stringify(options.onlyIds);
  const sqlite = db.$client;
  const claim = prepared(sqlite, claimSql(skip.length, options.onlyIds !== undefined, options.expiredLeases ?? true));
  // Clearing digest_key only where there is one: naming it in the claim's SET would
  // rewrite its unique-index entry for every delivery (a third of a claim's cost).
  const closeDigests = prepared(sqlite, "UPDATE deliveries SET digest_key = NULL WHERE id IN (SELECT value FROM json_each(?))");
  const claimBatch = sqlite.transaction(() => {
    const claimed = claim.all(params) as Row[];
    const digests = claimed.filter((r) => r.digest_key !== null).map((r) => r.id);
    if (digests.length) closeDigests.run(JSON.stringify(digests));
    return claimed;
  });
  const rows = withWriteLock(() => claimBatch.immediate());
  // RETURNING follows no promised order: oldest due first, so a channel's messages leave in order.
  rows.sort((a, b) => a.next_attempt_at - b.next_attempt_at || a.created_at - b.created_at);
  return rows.map((r) => ({
    id: r.id,
    orgId: r.org_id,
    channelId: r.channel_id,
    ruleId: r.rule_id,
    productId: r.product_id,
    attemptCount: r.attempt_count,
    leasedUntil: r.leased_until,
    isTest: r.is_test === 1,
  }));
}

/**
 * Writes a worker's finished outcomes and claims its next batch in one
 * transaction — one commit instead of two. If either fails, neither is kept:
 * the caller still holds the outcomes and writes them later.
 */
export function recordAndClaim(
  db: Db,
  outcomes: OutcomeRecord[],
  options: ClaimOptions & { disableAfterMs: number },
): { changes: HealthChange[]; claimed: ClaimedDelivery[] } {
  // db.transaction begins IMMEDIATE on the write lock (db/client.ts).
  return db.transaction(() => {
    const changes = outcomes.length ? recordOutcomes(db, options.owner, outcomes, { disableAfterMs: options.disableAfterMs }) : [];
    return { changes, claimed: claimDueDeliveries(db, options) };
  });
}

/**
 * When something next becomes claimable (a retry, a digest window, an expired
 * lease), so an idle worker sleeps exactly until then instead of polling blind.
 */
export function nextDueAt(db: Db): number | null {
  const row = prepared(
    db.$client,
    `SELECT min(t) AS t FROM (
       SELECT min(d.next_attempt_at) AS t FROM deliveries d JOIN channels c ON c.id = d.channel_id
        WHERE d.${PENDING_DELIVERY} AND d.status = 'queued' AND c.enabled = 1 AND c.health <> 'disabled'
       UNION ALL
       SELECT min(leased_until) FROM deliveries WHERE ${PENDING_DELIVERY} AND status = 'sending')`,
  ).get() as { t: number | null };
  return row.t ?? null;
}

/**
 * Extends the leases a live worker holds (claimed, waiting in a paced lane or
 * being sent), so a long backlog is never taken over while its worker is
 * healthy. A worker that dies stops renewing, and its leases expire.
 */
export function renewLeases(db: Db, owner: string, leaseMs: number, now = Date.now()): number {
  const renew = prepared(
    db.$client,
    `UPDATE deliveries SET leased_until = @until WHERE ${PENDING_DELIVERY} AND status = 'sending' AND lease_owner = @owner AND leased_until < @until`,
  );
  return withWriteLock(() => renew.run({ owner, until: now + leaseMs }).changes);
}
