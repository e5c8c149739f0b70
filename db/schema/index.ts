import { databaseEngine } from "@/lib/env";
import { pgKit, sqliteKit } from "./kit";
import { defineSchema } from "./tables";

/**
 * The tables of the engine this process runs on (DATABASE_URL decides, once per
 * process). Typed as PostgreSQL's tables: the data layer is written once
 * against that type and runs on either engine (./kit.ts explains why).
 */
const schema = defineSchema(databaseEngine() === "postgres" ? pgKit : sqliteKit);

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
} = schema;

export * from "./values";
