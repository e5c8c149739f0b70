import { sql } from "drizzle-orm";
import type { SchemaKit } from "./kit";
import {
  ATTEMPT_OUTCOMES,
  CHANNEL_HEALTH,
  CHANNEL_TYPES,
  DELIVERY_STATUSES,
  FINISHED_DELIVERY,
  ORG_ROLES,
  PENDING_DELIVERY,
  SEVERITIES,
  TOKEN_ROLES,
  type SealedSecret,
  type Severity,
  type SilenceMatchers,
  type CippSettings,
  type QuietHours,
} from "./values";

/**
 * Every table of Herald, declared once for both engines (see ./kit.ts).
 * `k` supplies the dialect's builders; the result is the same model in either.
 */
export function defineSchema(k: SchemaKit) {
  /** Times are stored as milliseconds (SQLite) or timestamptz (PostgreSQL), read as Dates. */
  const createdAt = () =>
    k
      .timestamp("created_at")
      .notNull()
      .$defaultFn(() => new Date());
  const id = () => k.text("id").primaryKey();

  const users = k.table("users", {
    id: id(),
    email: k.text("email").notNull().unique(),
    name: k.text("name"),
    /** bcrypt hash; null until an invited user sets a password (never set back to null: null means "never had one"). */
    passwordHash: k.text("password_hash"),
    /** Console sessions carry the value they were signed in with; raising it ends them all (lib/auth/sessions.ts). */
    sessionVersion: k.integer("session_version").notNull().default(0),
    createdAt: createdAt(),
  });

  const orgs = k.table("orgs", {
    id: id(),
    slug: k.text("slug").notNull().unique(),
    name: k.text("name").notNull(),
    /** An owner's shorter retention for this org, in days (null: the instance's HERALD_RETENTION_DAYS). */
    retentionDays: k.integer("retention_days"),
    /** CIPP's notification settings as its API set them (lib/rules/cipp-config.ts): the channels and rule they made, and CIPP-only flags. */
    cippSettings: k.json<CippSettings>("cipp_settings"),
    createdAt: createdAt(),
  });

  const memberships = k.table(
    "memberships",
    {
      orgId: k
        .text("org_id")
        .notNull()
        .references(() => orgs.id, { onDelete: "cascade" }),
      userId: k
        .text("user_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      role: k.textEnum("role", ORG_ROLES).notNull(),
      createdAt: createdAt(),
    },
    (t) => [k.primaryKey({ columns: [t.orgId, t.userId] }), k.index("memberships_user_idx").on(t.userId)],
  );

  /**
   * Invitations to an org: the membership is created only when the invitee
   * accepts (lib/accounts/members.ts). Each is reached through a one-time link;
   * only the hash is stored.
   */
  const invites = k.table(
    "invites",
    {
      id: id(),
      orgId: k
        .text("org_id")
        .notNull()
        .references(() => orgs.id, { onDelete: "cascade" }),
      userId: k
        .text("user_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      /** The role the membership gets on acceptance. */
      role: k.textEnum("role", ORG_ROLES).notNull().default("member"),
      /** This link may set the account's first password (at most one outstanding link per account may). */
      setsPassword: k.boolean("sets_password").notNull().default(false),
      tokenHash: k.text("token_hash").notNull().unique(),
      expiresAt: k.timestamp("expires_at").notNull(),
      usedAt: k.timestamp("used_at"),
      createdAt: createdAt(),
    },
    (t) => [k.index("invites_user_idx").on(t.userId)],
  );

  /** Console sessions signed out before they expired, kept until they would have expired anyway. */
  const endedSessions = k.table("ended_sessions", {
    id: k.text("id").primaryKey(),
    expiresAt: k.timestamp("expires_at").notNull(),
  });

  /** Failed sign-ins per e-mail, to slow down password guessing across restarts. */
  const loginThrottle = k.table("login_throttle", {
    email: k.text("email").primaryKey(),
    failures: k.integer("failures").notNull().default(0),
    lockedUntil: k.timestamp("locked_until"),
    lastFailureAt: k.timestamp("last_failure_at"),
  });

  const products = k.table(
    "products",
    {
      id: id(),
      orgId: k
        .text("org_id")
        .notNull()
        .references(() => orgs.id, { onDelete: "cascade" }),
      slug: k.text("slug").notNull(),
      name: k.text("name").notNull(),
      createdAt: createdAt(),
    },
    (t) => [k.uniqueIndex("products_org_slug_idx").on(t.orgId, t.slug)],
  );

  const productAdmins = k.table(
    "product_admins",
    {
      productId: k
        .text("product_id")
        .notNull()
        .references(() => products.id, { onDelete: "cascade" }),
      userId: k
        .text("user_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
    },
    (t) => [k.primaryKey({ columns: [t.productId, t.userId] }), k.index("product_admins_user_idx").on(t.userId)],
  );

  const apiTokens = k.table(
    "api_tokens",
    {
      id: id(),
      orgId: k
        .text("org_id")
        .notNull()
        .references(() => orgs.id, { onDelete: "cascade" }),
      name: k.text("name").notNull(),
      role: k.textEnum("role", TOKEN_ROLES).notNull(),
      /** Product ids a product-admin token may manage. */
      productIds: k.json<string[]>("product_ids").notNull().default([]),
      /** First characters of the token, shown in lists so people can tell tokens apart. */
      prefix: k.text("prefix").notNull(),
      tokenHash: k.text("token_hash").notNull().unique(),
      createdBy: k.text("created_by"),
      createdAt: createdAt(),
      expiresAt: k.timestamp("expires_at"),
      lastUsedAt: k.timestamp("last_used_at"),
      revokedAt: k.timestamp("revoked_at"),
    },
    (t) => [k.index("api_tokens_org_idx").on(t.orgId)],
  );

  const auditEntries = k.table(
    "audit_entries",
    {
      id: id(),
      orgId: k.text("org_id").references(() => orgs.id, { onDelete: "cascade" }),
      actorType: k.textEnum("actor_type", ["user", "token", "system", "anonymous"] as const).notNull(),
      actorId: k.text("actor_id"),
      /** E-mail or token name at the time of the action, kept even if the actor is deleted later. */
      actorLabel: k.text("actor_label").notNull(),
      action: k.text("action").notNull(),
      targetType: k.text("target_type"),
      targetId: k.text("target_id"),
      targetLabel: k.text("target_label"),
      details: k.json<Record<string, unknown>>("details"),
      createdAt: createdAt(),
    },
    (t) => [k.index("audit_org_time_idx").on(t.orgId, t.createdAt)],
  );

  const channels = k.table(
    "channels",
    {
      id: id(),
      orgId: k
        .text("org_id")
        .notNull()
        .references(() => orgs.id, { onDelete: "cascade" }),
      /** Set for a channel owned by one product (DESIGN §6), null for org channels. */
      productId: k.text("product_id").references(() => products.id, { onDelete: "cascade" }),
      type: k.textEnum("type", CHANNEL_TYPES).notNull(),
      name: k.text("name").notNull(),
      enabled: k.boolean("enabled").notNull().default(true),
      /** Plain settings: recipients, format, auth method, header names. */
      settings: k.json<Record<string, unknown>>("settings").notNull().default({}),
      /** Encrypted settings, by field name. Never leaves the server. */
      secrets: k.json<Record<string, SealedSecret>>("secrets").notNull().default({}),
      /** Masked hints of the secrets, by field name, safe to show. */
      secretHints: k.json<Record<string, string>>("secret_hints").notNull().default({}),
      health: k.textEnum("health", CHANNEL_HEALTH).notNull().default("healthy"),
      consecutiveFailures: k.integer("consecutive_failures").notNull().default(0),
      failingSince: k.timestamp("failing_since"),
      lastError: k.text("last_error"),
      lastErrorAt: k.timestamp("last_error_at"),
      lastSuccessAt: k.timestamp("last_success_at"),
      /**
       * The channel's last attempt (not a test's), for its health on the page and in the API.
       * Kept here, not looked up: attempts carry no channel, and the last one may belong to any
       * old delivery (a retry, a manual retry). Like last_success_at, a newer attempt with the
       * same outcome within a second is not written (lib/dispatch/outcomes.ts).
       */
      lastAttemptAt: k.timestamp("last_attempt_at"),
      lastAttemptOutcome: k.textEnum("last_attempt_outcome", ATTEMPT_OUTCOMES),
      lastAttemptDurationMs: k.integer("last_attempt_duration_ms"),
      lastAttemptStatusCode: k.integer("last_attempt_status_code"),
      /**
       * Back-pressure (DESIGN §5, lib/dispatch/backpressure.ts), shared by every worker:
       * the receiver asked for a pause until then (429 / 503 Retry-After); claims skip the channel meanwhile.
       */
      sendNotBefore: k.timestamp("send_not_before"),
      /** Paced channels: the next free send slot, reserved atomically by whichever worker sends next. */
      nextSendAt: k.timestamp("next_send_at"),
      /** The spacing the receiver currently accepts (ms; 0: the type's policy): doubled on a throttle, eased back on successes. */
      paceMs: k.integer("pace_ms").notNull().default(0),
      /**
       * Flood control (lib/events/flood.ts): more than this many notifications from one source
       * (a product, or the org's own events) within `flood_minutes` turn into one summary per
       * window until a whole window stays under it. Null: off.
       */
      floodLimit: k.integer("flood_limit"),
      floodMinutes: k.integer("flood_minutes").notNull().default(5),
      /** Quiet hours (lib/events/quiet-hours.ts): outside working hours, less severe events wait for them. Null: off. */
      quietHours: k.json<QuietHours>("quiet_hours"),
      createdAt: createdAt(),
      updatedAt: k
        .timestamp("updated_at")
        .notNull()
        .$defaultFn(() => new Date()),
    },
    (t) => [k.index("channels_org_idx").on(t.orgId), k.index("channels_product_idx").on(t.productId)],
  );

  /** Event types an org added; the built-in catalog lives in code (lib/events/catalog.ts). */
  const eventTypes = k.table(
    "event_types",
    {
      id: id(),
      orgId: k
        .text("org_id")
        .notNull()
        .references(() => orgs.id, { onDelete: "cascade" }),
      key: k.text("key").notNull(),
      scope: k.textEnum("scope", ["org", "product", "any"] as const).notNull(),
      title: k.text("title").notNull(),
      description: k.text("description").notNull().default(""),
      defaultSeverity: k.textEnum("default_severity", SEVERITIES).notNull(),
      createdAt: createdAt(),
    },
    (t) => [k.uniqueIndex("event_types_org_key_idx").on(t.orgId, t.key)],
  );

  const rules = k.table(
    "rules",
    {
      id: id(),
      orgId: k
        .text("org_id")
        .notNull()
        .references(() => orgs.id, { onDelete: "cascade" }),
      /** Set for a product rule; null for an org rule. */
      productId: k.text("product_id").references(() => products.id, { onDelete: "cascade" }),
      name: k.text("name").notNull(),
      /** For org rules: restrict to these product ids (empty = every event of the org). */
      productFilter: k.json<string[]>("product_filter").notNull().default([]),
      /** Event type keys, or "all". */
      eventTypes: k.json<string[] | "all">("event_types").notNull(),
      severities: k.json<Severity[]>("severities").notNull(),
      mode: k
        .textEnum("mode", ["immediate", "digest"] as const)
        .notNull()
        .default("immediate"),
      digestMinutes: k.integer("digest_minutes"),
      splitByProduct: k.boolean("split_by_product").notNull().default(false),
      enabled: k.boolean("enabled").notNull().default(true),
      createdAt: createdAt(),
      updatedAt: k
        .timestamp("updated_at")
        .notNull()
        .$defaultFn(() => new Date()),
    },
    (t) => [k.index("rules_org_idx").on(t.orgId)],
  );

  const ruleChannels = k.table(
    "rule_channels",
    {
      ruleId: k
        .text("rule_id")
        .notNull()
        .references(() => rules.id, { onDelete: "cascade" }),
      channelId: k
        .text("channel_id")
        .notNull()
        .references(() => channels.id, { onDelete: "cascade" }),
    },
    (t) => [k.primaryKey({ columns: [t.ruleId, t.channelId] }), k.index("rule_channels_channel_idx").on(t.channelId)],
  );

  const events = k.table(
    "events",
    {
      id: id(),
      orgId: k
        .text("org_id")
        .notNull()
        .references(() => orgs.id, { onDelete: "cascade" }),
      productId: k.text("product_id").references(() => products.id, { onDelete: "set null" }),
      type: k.text("type").notNull(),
      severity: k.textEnum("severity", SEVERITIES).notNull(),
      title: k.text("title").notNull(),
      data: k.json<Record<string, unknown>>("data").notNull().default({}),
      source: k.text("source"),
      /** The producer's `id`: unique per org, so a repeated post is stored once. */
      idempotencyKey: k.text("idempotency_key"),
      /** A test alert written to the log (CIPP's "write to log"). */
      isTest: k.boolean("is_test").notNull().default(false),
      occurredAt: k.timestamp("occurred_at").notNull(),
      receivedAt: k.timestamp("received_at").notNull(),
      /** The silence that kept the event from one or more channels it would have gone to (stored, not dropped). */
      silencedBy: k.text("silenced_by"),
    },
    (t) => [
      k.uniqueIndex("events_org_key_idx").on(t.orgId, t.idempotencyKey),
      k.index("events_org_time_idx").on(t.orgId, t.receivedAt),
      // Only silenced events (few): a silence's count of the events it kept quiet.
      k
        .index("events_silenced_idx")
        .on(t.silencedBy)
        .where(sql`silenced_by IS NOT NULL`),
    ],
  );

  /** One message to one channel, covering one or more events (the outbox). */
  const deliveries = k.table(
    "deliveries",
    {
      id: id(),
      orgId: k
        .text("org_id")
        .notNull()
        .references(() => orgs.id, { onDelete: "cascade" }),
      channelId: k
        .text("channel_id")
        .notNull()
        .references(() => channels.id, { onDelete: "cascade" }),
      ruleId: k.text("rule_id").references(() => rules.id, { onDelete: "set null" }),
      productId: k.text("product_id").references(() => products.id, { onDelete: "set null" }),
      status: k.textEnum("status", DELIVERY_STATUSES).notNull().default("queued"),
      /** For a digest still collecting events: channel/rule/window/product; null once closed. */
      digestKey: k.text("digest_key").unique(),
      /** A flood summary (lib/events/flood.ts): the window's length in minutes; it goes out as one message standing for its events. */
      floodMinutes: k.integer("flood_minutes"),
      attemptCount: k.integer("attempt_count").notNull().default(0),
      /**
       * Of a delivery sent as several messages (Slack: one per event), how many leading ones the
       * receiver already accepted: a retry sends only the rest, so receivers see no duplicate.
       */
      messagesSent: k.integer("messages_sent").notNull().default(0),
      nextAttemptAt: k.timestamp("next_attempt_at").notNull(),
      leasedUntil: k.timestamp("leased_until"),
      leaseOwner: k.text("lease_owner"),
      lastError: k.text("last_error"),
      /** First throttled answer of this delivery: throttles spend no attempt, but not for longer than the whole schedule. */
      throttledSince: k.timestamp("throttled_since"),
      isTest: k.boolean("is_test").notNull().default(false),
      createdAt: createdAt(),
      updatedAt: k
        .timestamp("updated_at")
        .notNull()
        .$defaultFn(() => new Date()),
      deliveredAt: k.timestamp("delivered_at"),
    },
    (t) => [
      // Only deliveries that may still be claimed: a delivered (or failed, dead) one
      // leaves the index, and its claim and outcome touch it three times, not four.
      // Queries that use it repeat the condition (PENDING_DELIVERY) so SQLite can.
      k.index("deliveries_due_idx").on(t.status, t.nextAttemptAt).where(sql.raw(PENDING_DELIVERY)),
      k.index("deliveries_org_time_idx").on(t.orgId, t.createdAt),
      // Not on status: a claim and an outcome change status, and would rewrite this too.
      k.index("deliveries_channel_idx").on(t.channelId, t.createdAt),
      // The delivery log's status filter over a long history (issue #18: "failed" among
      // 10 M deliveries walked the whole org index, 78 ms). Only finished deliveries: a
      // delivery enters it once, when it ends, so claims and retries never touch it.
      k.index("deliveries_finished_idx").on(t.orgId, t.status, t.createdAt).where(sql.raw(FINISHED_DELIVERY)),
    ],
  );

  const deliveryEvents = k.table(
    "delivery_events",
    {
      deliveryId: k
        .text("delivery_id")
        .notNull()
        .references(() => deliveries.id, { onDelete: "cascade" }),
      eventId: k
        .text("event_id")
        .notNull()
        .references(() => events.id, { onDelete: "cascade" }),
    },
    (t) => [k.primaryKey({ columns: [t.deliveryId, t.eventId] }), k.index("delivery_events_event_idx").on(t.eventId)],
  );

  const attempts = k.table(
    "attempts",
    {
      id: id(),
      deliveryId: k
        .text("delivery_id")
        .notNull()
        .references(() => deliveries.id, { onDelete: "cascade" }),
      at: k.timestamp("at").notNull(),
      durationMs: k.integer("duration_ms").notNull(),
      outcome: k.textEnum("outcome", ATTEMPT_OUTCOMES).notNull(),
      /** HTTP status code, or the SMTP reply code. */
      statusCode: k.integer("status_code"),
      /** First characters of the response body or the SMTP reply (≤ 2 KB). */
      response: k.text("response"),
      /**
       * The answer's headers as a JSON object, the channel's secrets taken out, ≤ 1 KB
       * (lib/channels/response-headers.ts); null for SMTP, the inbox, and no answer.
       */
      responseHeaders: k.text("response_headers"),
      /** Of a delivery sent as several POSTs, the 1-based one whose answer this is; null when it is one message. */
      part: k.integer("part"),
      error: k.text("error"),
    },
    (t) => [k.index("attempts_delivery_idx").on(t.deliveryId, t.at)],
  );

  /**
   * Deliveries each channel finished, per hour: delivered, and failed (failed or dead). The
   * channel's "last 24 h" figures read 25 rows of it instead of counting a day of deliveries
   * (at 4 deliveries/s that count took 240–480 ms on SQLite; docs/performance.md "Channel
   * health figures"). Written with the outcomes; also read, summed over the org's channels, for the
   * org overview's deliveries per hour (24 h / 7 d). Rows older than eight days are pruned.
   */
  const channelHourlyCounts = k.table(
    "channel_hourly_counts",
    {
      channelId: k
        .text("channel_id")
        .notNull()
        .references(() => channels.id, { onDelete: "cascade" }),
      hour: k.timestamp("hour").notNull(),
      delivered: k.integer("delivered").notNull().default(0),
      failed: k.integer("failed").notNull().default(0),
    },
    (t) => [k.primaryKey({ columns: [t.channelId, t.hour] })],
  );

  /**
   * Flood control's counts: notifications per channel, source (a product id, or "-" for the
   * org's own events) and window (its start). Counted at ingest in the event's transaction;
   * rows older than two windows are pruned.
   */
  const floodCounts = k.table(
    "flood_counts",
    {
      channelId: k
        .text("channel_id")
        .notNull()
        .references(() => channels.id, { onDelete: "cascade" }),
      source: k.text("source").notNull(),
      windowStart: k.timestamp("window_start").notNull(),
      count: k.integer("count").notNull().default(0),
    },
    (t) => [k.primaryKey({ columns: [t.channelId, t.source, t.windowStart] })],
  );

  /** In-app notifications: one row per recipient member of an inbox channel. */
  const inboxItems = k.table(
    "inbox_items",
    {
      id: id(),
      orgId: k
        .text("org_id")
        .notNull()
        .references(() => orgs.id, { onDelete: "cascade" }),
      userId: k
        .text("user_id")
        .notNull()
        .references(() => users.id, { onDelete: "cascade" }),
      channelId: k.text("channel_id").references(() => channels.id, { onDelete: "set null" }),
      eventId: k
        .text("event_id")
        .notNull()
        .references(() => events.id, { onDelete: "cascade" }),
      deliveryId: k.text("delivery_id").references(() => deliveries.id, { onDelete: "set null" }),
      readAt: k.timestamp("read_at"),
      createdAt: createdAt(),
    },
    (t) => [k.index("inbox_user_idx").on(t.userId, t.orgId, t.createdAt), k.uniqueIndex("inbox_user_event_idx").on(t.userId, t.eventId, t.channelId)],
  );

  /**
   * Request catchers (console → Request catcher): an unguessable URL on Herald
   * itself, `/catch/{token}`, that keeps the last requests posted to it so a
   * newcomer can look at a real signed delivery without writing a receiver.
   * Org-scoped and expiring; lib/catcher/catchers.ts bounds what is kept.
   */
  const catchers = k.table(
    "catchers",
    {
      id: id(),
      orgId: k
        .text("org_id")
        .notNull()
        .references(() => orgs.id, { onDelete: "cascade" }),
      name: k.text("name").notNull(),
      /** The path segment after /catch/: the only credential a sender needs, so long and random. */
      token: k.text("token").notNull().unique(),
      /** The webhook channel whose signing secret checks the caught requests' signatures. */
      channelId: k.text("channel_id").references(() => channels.id, { onDelete: "set null" }),
      expiresAt: k.timestamp("expires_at").notNull(),
      createdAt: createdAt(),
    },
    (t) => [k.index("catchers_org_idx").on(t.orgId)],
  );

  /**
   * Silences (issue #23): events matching `matchers` between `startsAt` and
   * `endsAt` are stored but not sent (to the named channels, or any). Expiring
   * one early moves `endsAt` to that moment; a silence is kept, not deleted, so
   * an event's "silenced by …" keeps its meaning.
   */
  const silences = k.table(
    "silences",
    {
      id: id(),
      orgId: k
        .text("org_id")
        .notNull()
        .references(() => orgs.id, { onDelete: "cascade" }),
      /** lib/validation/silences.ts: event types, products (ids), severities, channels (ids), title, data equals. */
      matchers: k.json<SilenceMatchers>("matchers").notNull(),
      reason: k.text("reason").notNull(),
      startsAt: k.timestamp("starts_at").notNull(),
      endsAt: k.timestamp("ends_at").notNull(),
      createdBy: k.text("created_by").notNull(),
      /** Who expired it before its end, if someone did. */
      expiredBy: k.text("expired_by"),
      createdAt: createdAt(),
    },
    (t) => [k.index("silences_org_end_idx").on(t.orgId, t.endsAt)],
  );

  /** What a catcher received: the newest few per catcher, bodies bounded. */
  const caughtRequests = k.table(
    "caught_requests",
    {
      id: id(),
      catcherId: k
        .text("catcher_id")
        .notNull()
        .references(() => catchers.id, { onDelete: "cascade" }),
      method: k.text("method").notNull(),
      /** Header name (lower case) → value, as received; credentials masked when stored. */
      headers: k.json<Record<string, string>>("headers").notNull(),
      body: k.text("body").notNull(),
      receivedAt: k.timestamp("received_at").notNull(),
    },
    (t) => [k.index("caught_requests_catcher_idx").on(t.catcherId, t.receivedAt)],
  );

  /**
   * Retention's running totals (one row, id "prune"): rows deleted per table since the
   * database was made, for herald_pruned_rows_total — kept here because the pruner runs
   * in a worker and the metrics are read by whichever process is scraped.
   */
  const retentionTotals = k.table("retention_totals", {
    id: k.text("id").primaryKey(),
    pruned: k.json<Record<string, number>>("pruned").notNull(),
    lastRunAt: k.timestamp("last_run_at"),
  });

  return {
    users,
    orgs,
    memberships,
    invites,
    endedSessions,
    loginThrottle,
    products,
    productAdmins,
    apiTokens,
    auditEntries,
    channels,
    eventTypes,
    rules,
    ruleChannels,
    events,
    deliveries,
    deliveryEvents,
    attempts,
    channelHourlyCounts,
    floodCounts,
    inboxItems,
    catchers,
    caughtRequests,
    retentionTotals,
    silences,
  };
}
