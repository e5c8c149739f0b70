import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { orgs, products, users } from "./accounts";
import { createdAt, id, json, timestamp } from "./columns";

export const CHANNEL_TYPES = ["email", "slack", "teams", "discord", "webhook", "inbox"] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];
export const CHANNEL_HEALTH = ["healthy", "failing", "disabled"] as const;
export type ChannelHealth = (typeof CHANNEL_HEALTH)[number];

export const SEVERITIES = ["debug", "info", "warning", "error", "critical", "alert"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** An AES-256-GCM ciphertext with the id of the key that made it. */
export type SealedSecret = { kid: string; iv: string; ct: string; tag: string };

export const channels = sqliteTable(
  "channels",
  {
    id: id(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    /** Set for a channel owned by one product (DESIGN §6), null for org channels. */
    productId: text("product_id").references(() => products.id, { onDelete: "cascade" }),
    type: text("type", { enum: CHANNEL_TYPES }).notNull(),
    name: text("name").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    /** Plain settings: recipients, format, auth method, header names. */
    settings: json<Record<string, unknown>>("settings").notNull().default({}),
    /** Encrypted settings, by field name. Never leaves the server. */
    secrets: json<Record<string, SealedSecret>>("secrets").notNull().default({}),
    /** Masked hints of the secrets, by field name, safe to show. */
    secretHints: json<Record<string, string>>("secret_hints").notNull().default({}),
    health: text("health", { enum: CHANNEL_HEALTH }).notNull().default("healthy"),
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    failingSince: timestamp("failing_since"),
    lastError: text("last_error"),
    lastErrorAt: timestamp("last_error_at"),
    lastSuccessAt: timestamp("last_success_at"),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at")
      .notNull()
      .$defaultFn(() => new Date()),
  },
  (t) => [index("channels_org_idx").on(t.orgId), index("channels_product_idx").on(t.productId)],
);

/** Event types an org added; the built-in catalog lives in code (lib/events/catalog.ts). */
export const eventTypes = sqliteTable(
  "event_types",
  {
    id: id(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    scope: text("scope", { enum: ["org", "product", "any"] }).notNull(),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    defaultSeverity: text("default_severity", { enum: SEVERITIES }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("event_types_org_key_idx").on(t.orgId, t.key)],
);

export const rules = sqliteTable(
  "rules",
  {
    id: id(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    /** Set for a product rule; null for an org rule. */
    productId: text("product_id").references(() => products.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** For org rules: restrict to these product ids (empty = every event of the org). */
    productFilter: json<string[]>("product_filter").notNull().default([]),
    /** Event type keys, or "all". */
    eventTypes: json<string[] | "all">("event_types").notNull(),
    severities: json<Severity[]>("severities").notNull(),
    mode: text("mode", { enum: ["immediate", "digest"] }).notNull().default("immediate"),
    digestMinutes: integer("digest_minutes"),
    splitByProduct: integer("split_by_product", { mode: "boolean" }).notNull().default(false),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at")
      .notNull()
      .$defaultFn(() => new Date()),
  },
  (t) => [index("rules_org_idx").on(t.orgId)],
);

export const ruleChannels = sqliteTable(
  "rule_channels",
  {
    ruleId: text("rule_id")
      .notNull()
      .references(() => rules.id, { onDelete: "cascade" }),
    channelId: text("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.ruleId, t.channelId] }), index("rule_channels_channel_idx").on(t.channelId)],
);

export const events = sqliteTable(
  "events",
  {
    id: id(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    productId: text("product_id").references(() => products.id, { onDelete: "set null" }),
    type: text("type").notNull(),
    severity: text("severity", { enum: SEVERITIES }).notNull(),
    title: text("title").notNull(),
    data: json<Record<string, unknown>>("data").notNull().default({}),
    source: text("source"),
    /** The producer's `id`: unique per org, so a repeated post is stored once. */
    idempotencyKey: text("idempotency_key"),
    /** A test alert written to the log (CIPP's "write to log"). */
    isTest: integer("is_test", { mode: "boolean" }).notNull().default(false),
    occurredAt: timestamp("occurred_at").notNull(),
    receivedAt: timestamp("received_at").notNull(),
  },
  (t) => [
    uniqueIndex("events_org_key_idx").on(t.orgId, t.idempotencyKey),
    index("events_org_time_idx").on(t.orgId, t.receivedAt),
  ],
);

export const DELIVERY_STATUSES = ["queued", "sending", "delivered", "failed", "dead"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One message to one channel, covering one or more events (the outbox). */
/**
 * The deliveries a worker may still claim. SQLite uses the partial index
 * deliveries_due_idx only for a query whose WHERE repeats this term verbatim.
 */
export const PENDING_DELIVERY = "status IN ('queued', 'sending')";

export const deliveries = sqliteTable(
  "deliveries",
  {
    id: id(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    channelId: text("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    ruleId: text("rule_id").references(() => rules.id, { onDelete: "set null" }),
    productId: text("product_id").references(() => products.id, { onDelete: "set null" }),
    status: text("status", { enum: DELIVERY_STATUSES }).notNull().default("queued"),
    /** For a digest still collecting events: channel/rule/window/product; null once closed. */
    digestKey: text("digest_key").unique(),
    attemptCount: integer("attempt_count").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at").notNull(),
    leasedUntil: timestamp("leased_until"),
    leaseOwner: text("lease_owner"),
    lastError: text("last_error"),
    isTest: integer("is_test", { mode: "boolean" }).notNull().default(false),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at")
      .notNull()
      .$defaultFn(() => new Date()),
    deliveredAt: timestamp("delivered_at"),
  },
  (t) => [
    // Only deliveries that may still be claimed: a delivered (or failed, dead) one
    // leaves the index, and its claim and outcome touch it three times, not four.
    // Queries that use it repeat the condition (PENDING_DELIVERY) so SQLite can.
    index("deliveries_due_idx").on(t.status, t.nextAttemptAt).where(sql.raw(PENDING_DELIVERY)),
    index("deliveries_org_time_idx").on(t.orgId, t.createdAt),
    // Not on status: a claim and an outcome change status, and would rewrite this too.
    index("deliveries_channel_idx").on(t.channelId, t.createdAt),
  ],
);

export const deliveryEvents = sqliteTable(
  "delivery_events",
  {
    deliveryId: text("delivery_id")
      .notNull()
      .references(() => deliveries.id, { onDelete: "cascade" }),
    eventId: text("event_id")
      .notNull()
      .references(() => events.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.deliveryId, t.eventId] }), index("delivery_events_event_idx").on(t.eventId)],
);

export const attempts = sqliteTable(
  "attempts",
  {
    id: id(),
    deliveryId: text("delivery_id")
      .notNull()
      .references(() => deliveries.id, { onDelete: "cascade" }),
    at: timestamp("at").notNull(),
    durationMs: integer("duration_ms").notNull(),
    outcome: text("outcome", { enum: ["delivered", "retry", "failed", "dead"] }).notNull(),
    /** HTTP status code, or the SMTP reply code. */
    statusCode: integer("status_code"),
    /** First characters of the response body or the SMTP reply (≤ 2 KB). */
    response: text("response"),
    error: text("error"),
  },
  (t) => [index("attempts_delivery_idx").on(t.deliveryId, t.at)],
);

/** In-app notifications: one row per recipient member of an inbox channel. */
export const inboxItems = sqliteTable(
  "inbox_items",
  {
    id: id(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    channelId: text("channel_id").references(() => channels.id, { onDelete: "set null" }),
    eventId: text("event_id")
      .notNull()
      .references(() => events.id, { onDelete: "cascade" }),
    deliveryId: text("delivery_id").references(() => deliveries.id, { onDelete: "set null" }),
    readAt: timestamp("read_at"),
    createdAt: createdAt(),
  },
  (t) => [
    index("inbox_user_idx").on(t.userId, t.orgId, t.createdAt),
    uniqueIndex("inbox_user_event_idx").on(t.userId, t.eventId, t.channelId),
  ],
);
