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
 *
 * With `postgresUrl` (`--db postgres`), the SQLite database seeded this way is
 * then copied into that empty PostgreSQL database with `herald copy-db`'s own
 * code (db/copy.ts) — org, channels (sealed secrets as stored), token, rule —
 * and the queue of `queue` is written there directly (the same rows; copying
 * 100,000 of them took 21 s). Then VACUUM ANALYZE: the planner knows the
 * queue's size, as it would on a running install (not for "server": see runSeed).
 */
import pg from "pg";
import { closeDb, openSqlite, setDb, sqliteOf, type Db } from "@/db/client";
import { copySqliteToPostgres } from "@/db/copy";
import { memberships, orgs, users, SEVERITIES } from "@/db/schema";
import { createChannel } from "@/lib/channels/service";
import { createToken } from "@/lib/accounts/tokens";
import { SYSTEM_ACTOR } from "@/lib/auth/permissions";
import { env } from "@/lib/env";
import { newId } from "@/lib/ids";
import { createRule } from "@/lib/rules/queries";
import { createChannelSchema } from "@/lib/validation/channels";
import { ruleSchema } from "@/lib/validation/rules";
import { isMainModule } from "./lib/processes";

export type SeedJob = (
  { kind: "queue"; receiverUrl: string; channels: number; deliveries: number } | { kind: "server"; receiverUrl: string; channels: number }
) & {
  /** An empty PostgreSQL database to copy the seeded SQLite database into. */
  postgresUrl?: string;
};

export type SeedResult = {
  orgId: string;
  orgSlug: string;
  channelIds: string[];
  token?: string;
  /** The whole seeding, copy included. */
  seconds: number;
  /** Of which copying into PostgreSQL, writing the queue there and analysing it. */
  copySeconds?: number;
};

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

/** The queued deliveries, one event each, round-robin over the channels: the same rows on both engines. */
function* queuedRows(channelIds: string[], count: number) {
  for (let i = 0; i < count; i++) {
    yield {
      eventId: newId("evt"),
      deliveryId: newId("dlv"),
      channelId: channelIds[i % channelIds.length],
      title: `Bench event ${i}`,
      data: JSON.stringify({ host: `web-${i % 50}`, sequence: i, message: "disk usage above 90 % on /var" }),
    };
  }
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
    for (const row of queuedRows(channelIds, count)) {
      insertEvent.run(row.eventId, orgId, BENCH_EVENT_TYPE, row.title, row.data, now, now);
      insertDelivery.run(row.deliveryId, orgId, row.channelId, now, now, now);
      link.run(row.deliveryId, row.eventId);
    }
  })();
}

// Rows per statement of the PostgreSQL queue seeding (each column one array parameter).
const PG_ROWS_PER_INSERT = 20_000;

/**
 * The same queue written straight into PostgreSQL, in one transaction: columns
 * passed as arrays and unnested, a few statements in all. Copying 100,000
 * queued deliveries from SQLite with `herald copy-db`'s code took 21 s
 * (row-by-row parameters through drizzle); this takes a second or two.
 */
async function seedQueuedDeliveriesPostgres(client: pg.Client, orgId: string, channelIds: string[], count: number) {
  const now = new Date();
  const rows = [...queuedRows(channelIds, count)];
  await client.query("BEGIN");
  try {
    for (let i = 0; i < rows.length; i += PG_ROWS_PER_INSERT) {
      const chunk = rows.slice(i, i + PG_ROWS_PER_INSERT);
      const column = <K extends keyof (typeof chunk)[number]>(key: K) => chunk.map((r) => r[key]);
      await client.query(
        `INSERT INTO events (id, org_id, type, severity, title, data, occurred_at, received_at, is_test)
         SELECT id, $1, $2, 'error', title, data::jsonb, $3, $3, false FROM unnest($4::text[], $5::text[], $6::text[]) AS t(id, title, data)`,
        [orgId, BENCH_EVENT_TYPE, now, column("eventId"), column("title"), column("data")],
      );
      await client.query(
        `INSERT INTO deliveries (id, org_id, channel_id, status, attempt_count, next_attempt_at, is_test, created_at, updated_at)
         SELECT id, $1, channel_id, 'queued', 0, $2, false, $2, $2 FROM unnest($3::text[], $4::text[]) AS t(id, channel_id)`,
        [orgId, now, column("deliveryId"), column("channelId")],
      );
      await client.query("INSERT INTO delivery_events (delivery_id, event_id) SELECT * FROM unnest($1::text[], $2::text[])", [
        column("deliveryId"),
        column("eventId"),
      ]);
    }
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  }
}

/** One org rule, made with the project's `createRule`: `log.entry`, every severity, to every given channel. */
async function seedRule(db: Db, orgId: string, channelIds: string[]) {
  const body = ruleSchema.parse({ name: "bench: every log entry", eventTypes: [BENCH_EVENT_TYPE], severities: [...SEVERITIES], channels: channelIds });
  await createRule(db, orgId, SYSTEM_ACTOR, body);
}

async function runSeed(job: SeedJob): Promise<SeedResult> {
  const started = performance.now();
  // Seeded on the embedded engine; `postgresUrl` copies it into PostgreSQL afterwards.
  const db = openSqlite(env().databasePath);
  setDb(db);
  const org = await seedOrg(db);
  const channelIds = await seedWebhookChannels(db, org.id, job.receiverUrl, job.channels);
  let token: string | undefined;
  // On PostgreSQL the queue is written there directly, after the copy (much faster than copying it).
  if (job.kind === "queue" && !job.postgresUrl) seedQueuedDeliveries(db, org.id, channelIds, job.deliveries);
  else if (job.kind === "server") {
    await seedRule(db, org.id, channelIds);
    token = (await createToken(db, org.id, SYSTEM_ACTOR, { name: "bench", role: "admin" })).token;
  }
  sqliteOf(db).pragma("wal_checkpoint(TRUNCATE)");
  await closeDb(db);
  let copySeconds: number | undefined;
  if (job.postgresUrl) {
    const copyStarted = performance.now();
    await copySqliteToPostgres(env().databasePath, job.postgresUrl);
    const client = new pg.Client({ connectionString: job.postgresUrl });
    await client.connect();
    try {
      // Then the planner knows the queue's size. Not for an empty history: statistics of empty tables
      // make PostgreSQL plan the foreign-key checks of the rows that arrive next as sequential scans,
      // until autovacuum analyzes them again (a minute or more) — not what a running install sees.
      if (job.kind === "queue") {
        await seedQueuedDeliveriesPostgres(client, org.id, channelIds, job.deliveries);
        await client.query("VACUUM ANALYZE");
      }
    } finally {
      await client.end();
    }
    copySeconds = (performance.now() - copyStarted) / 1000;
  }
  return { orgId: org.id, orgSlug: org.slug, channelIds, token, seconds: (performance.now() - started) / 1000, copySeconds };
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
