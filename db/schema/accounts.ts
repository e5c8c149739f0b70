import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, id, json, timestamp } from "./columns";

export const users = sqliteTable("users", {
  id: id(),
  email: text("email").notNull().unique(),
  name: text("name"),
  /** bcrypt hash; null until an invited user sets a password (never set back to null: null means "never had one"). */
  passwordHash: text("password_hash"),
  /** Console sessions carry the value they were signed in with; raising it ends them all (lib/auth/sessions.ts). */
  sessionVersion: integer("session_version").notNull().default(0),
  createdAt: createdAt(),
});

export const ORG_ROLES = ["owner", "admin", "member"] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

export const orgs = sqliteTable("orgs", {
  id: id(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  createdAt: createdAt(),
});

export const memberships = sqliteTable(
  "memberships",
  {
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ORG_ROLES }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);

/**
 * Invitations to an org: the membership is created only when the invitee
 * accepts (lib/accounts/members.ts). Each is reached through a one-time link;
 * only the hash is stored.
 */
export const invites = sqliteTable(
  "invites",
  {
    id: id(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The role the membership gets on acceptance. */
    role: text("role", { enum: ORG_ROLES }).notNull().default("member"),
    /** This link may set the account's first password (at most one outstanding link per account may). */
    setsPassword: integer("sets_password", { mode: "boolean" }).notNull().default(false),
    tokenHash: text("token_hash").notNull().unique(),
    expiresAt: timestamp("expires_at").notNull(),
    usedAt: timestamp("used_at"),
    createdAt: createdAt(),
  },
  (t) => [index("invites_user_idx").on(t.userId)],
);

/** Console sessions signed out before they expired, kept until they would have expired anyway. */
export const endedSessions = sqliteTable("ended_sessions", {
  id: text("id").primaryKey(),
  expiresAt: timestamp("expires_at").notNull(),
});

/** Failed sign-ins per e-mail, to slow down password guessing across restarts. */
export const loginThrottle = sqliteTable("login_throttle", {
  email: text("email").primaryKey(),
  failures: integer("failures").notNull().default(0),
  lockedUntil: timestamp("locked_until"),
  lastFailureAt: timestamp("last_failure_at"),
});

export const products = sqliteTable(
  "products",
  {
    id: id(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("products_org_slug_idx").on(t.orgId, t.slug)],
);

export const productAdmins = sqliteTable(
  "product_admins",
  {
    productId: text("product_id")
      .notNull()
      .references(() => products.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.productId, t.userId] }), index("product_admins_user_idx").on(t.userId)],
);

export const TOKEN_ROLES = ["admin", "product-admin", "read"] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: id(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    role: text("role", { enum: TOKEN_ROLES }).notNull(),
    /** Product ids a product-admin token may manage. */
    productIds: json<string[]>("product_ids").notNull().default([]),
    /** First characters of the token, shown in lists so people can tell tokens apart. */
    prefix: text("prefix").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    createdBy: text("created_by"),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at"),
    lastUsedAt: timestamp("last_used_at"),
    revokedAt: timestamp("revoked_at"),
  },
  (t) => [index("api_tokens_org_idx").on(t.orgId)],
);

export const auditEntries = sqliteTable(
  "audit_entries",
  {
    id: id(),
    orgId: text("org_id").references(() => orgs.id, { onDelete: "cascade" }),
    actorType: text("actor_type", { enum: ["user", "token", "system", "anonymous"] }).notNull(),
    actorId: text("actor_id"),
    /** E-mail or token name at the time of the action, kept even if the actor is deleted later. */
    actorLabel: text("actor_label").notNull(),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    targetLabel: text("target_label"),
    details: json<Record<string, unknown>>("details"),
    createdAt: createdAt(),
  },
  (t) => [index("audit_org_time_idx").on(t.orgId, t.createdAt)],
);
