import { pgKit } from "./kit";
import { defineSchema } from "./tables";

/** The PostgreSQL tables (drizzle-kit generates drizzle/postgres/ from these: drizzle.postgres.config.ts). */
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
} = defineSchema(pgKit);
