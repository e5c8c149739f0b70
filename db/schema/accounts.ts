import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, id, json, timestamp } from "./columns";

export const users = sqliteTable("users", {
  id: id(),
  email: text("email").notNull().unique(),
  name: text("name"),
  /** bcrypt hash; null until an invited user sets a password. */
  passwordHash: text("password_hash"),
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

/** One-time links that let an added member set their password. Only the hash is stored. */
export const invites = sqliteTable("invites", {
  id: id(),
  orgId: text("org_id")
    .notNull()
    .references(() => orgs.id, { onDelete: "cascade" }),
  userId: text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  tokenHash: text("token_hash").notNull().unique(),
  expiresAt: timestamp("expires_at").notNull(),
  usedAt: timestamp("used_at"),
  createdAt: createdAt(),
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
