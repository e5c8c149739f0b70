import { sqliteKit } from "./kit";
import { defineSchema } from "./tables";

/** The SQLite tables (drizzle-kit generates drizzle/sqlite/ from these: drizzle.config.ts). */
export const {
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
} = defineSchema(sqliteKit);
