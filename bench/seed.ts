/**
 * Seeds a fresh Herald database for the benchmark, in its own child process
 * (forked with HERALD_DATA_DIR pointing at a temp dir, so the project's env
 * and db modules open that directory and nothing else).
 *
 * - `queue`: an org, N webhook channels (created with the project's
 *   `createChannel`: format `array`, bearer auth, a generated `whsec_` signing
 *   secret, all sealed as in production) and M queued deliveries, one event
 *   each, spread round-robin over the channels. Events and deliveries are
 *   written with prepared statements in one transaction: going through ingest
 *   for 100,000 events would time the ingest path, which the ingest figures
 *   measure on their own.
 * - `server`: an org, an admin API token, 3 webhook channels and one org rule
 *   (`createRule`) that sends `log.entry` events of every severity to all
 *   three — so each ingested event makes 3 deliveries.
 */
import { closeDb, openSqlite, setDb, sqliteOf, type Db } from "@/db/client";
import { memberships, orgs, users, SEVERITIES } from "@/db/schema";
import { createChannel } from "@/db/queries/channels";
import { createToken } from "@/lib/accounts/tokens";
import { SYSTEM_ACTOR } from "@/lib/auth/permissions";
import { env } from "@/lib/env";
import { newId } from "@/lib/ids";
import { createRule } from "@/lib/rules/queries";
import { createChannelSchema } from "@/lib/validation/channels";
import { ruleSchema } from "@/lib/validation/rules";
import { isMainModule } from "./lib/processes";

export type SeedJob =
  | { kind: "queue"; receiverUrl: string; channels: number; deliveries: number }
  | { kind: "server"; receiverUrl: string; channels: number };

export type SeedResult = { orgId: string; orgSlug: string; channelIds: string[]; token?: string; seconds: number };

export const BENCH_EVENT_TYPE = "log.entry";

async function seedOrg(db: Db) {
  const org = { id: newId("org"), slug: "bench", name: "Bench" };
  const owner = { id: newId("usr"), email: "owner@bench.test" };
  await db.insert(orgs).values(org);
  await db.insert(users).values(owner);
  await db.insert(memberships).values({ orgId: org.id, userId: owner.id, role: "owner" });
  return org;
}

async function seedWebhookChannels(db: Db, orgId: string, receiverUrl: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const input = createChannelSchema.parse({
      type: "webhook",
      name: `bench receiver ${i}`,
      // A distinct path per channel: same origin (one receiver), distinct targets.
      url: `${receiverUrl}/hook/${i}`,
      format: "array",
      auth: { method: "bearer", token: `bench-token-${i}` },
    });
    const channel = await createChannel(db, orgId, SYSTEM_ACTOR, input, { allowPrivate: true });
    ids.push(channel.id);
  }
  return ids;
}

function seedQueuedDeliveries(db: Db, orgId: string, channelIds: string[], count: number) {
  const sqlite = sqliteOf(db);
  const insertEvent = sqlite.prepare(
    `INSERT INTO events (id, org_id, type, severity, title, data, occurred_at, received_at, is_test)
     VALUES (?, ?, ?, 'error', ?, ?, ?, ?, 0)`,
  );
  const insertDelivery = sqlite.prepare(
    `INSERT INTO deliveries (id, org_id, channel_id, status, attempt_count, next_attempt_at, is_test, created_at, updated_at)
     VALUES (?, ?, ?, 'queued', 0, ?, 0, ?, ?)`,
  );
  const link = sqlite.prepare("INSERT INTO delivery_events (delivery_id, event_id) VALUES (?, ?)");
  const now = Date.now();
  sqlite.transaction(() => {
    for (let i = 0; i < count; i++) {
      const eventId = newId("evt");
      const deliveryId = newId("dlv");
      const data = JSON.stringify({ host: `web-${i % 50}`, sequence: i, message: "disk usage above 90 % on /var" });
      insertEvent.run(eventId, orgId, BENCH_EVENT_TYPE, `Bench event ${i}`, data, now, now);
      insertDelivery.run(deliveryId, orgId, channelIds[i % channelIds.length], now, now, now);
      link.run(deliveryId, eventId);
    }
  })();
}

/** One org rule, made with the project's `createRule`: `log.entry`, every severity, to every given channel. */
async function seedRule(db: Db, orgId: string, channelIds: string[]) {
  const body = ruleSchema.parse({ name: "bench: every log entry", eventTypes: [BENCH_EVENT_TYPE], severities: [...SEVERITIES], channels: channelIds });
  await createRule(db, orgId, SYSTEM_ACTOR, body);
}

export async function runSeed(job: SeedJob): Promise<SeedResult> {
  const started = performance.now();
  // The benchmark runs on the embedded engine (a PostgreSQL run is future work: docs/performance.md).
  const db = openSqlite(env().databasePath);
  setDb(db);
  const org = await seedOrg(db);
  const channelIds = await seedWebhookChannels(db, org.id, job.receiverUrl, job.channels);
  let token: string | undefined;
  if (job.kind === "queue") seedQueuedDeliveries(db, org.id, channelIds, job.deliveries);
  else {
    await seedRule(db, org.id, channelIds);
    token = (await createToken(db, org.id, SYSTEM_ACTOR, { name: "bench", role: "admin" })).token;
  }
  sqliteOf(db).pragma("wal_checkpoint(TRUNCATE)");
  await closeDb(db);
  return { orgId: org.id, orgSlug: org.slug, channelIds, token, seconds: (performance.now() - started) / 1000 };
}

if (isMainModule(import.meta.url)) {
  process.on("message", (m: { type: string; job: SeedJob }) => {
    if (m.type !== "seed") return;
    runSeed(m.job).then(
      (result) => process.send?.({ type: "seeded", result }),
      (e: Error) => process.send?.({ type: "seed-failed", error: e.stack ?? e.message }),
    );
  });
  process.on("disconnect", () => process.exit(0));
}
