import { z } from "zod";
import { endpoint } from "@/lib/api/endpoint";
import { SEVERITIES } from "@/db/schema/values";
import { SILENCE_STATES, silenceFiltersSchema, silenceSchema, snoozeSchema } from "@/lib/validation/silences";

const MAY_SILENCE = "Owners and admins may silence anything; a product admin only silences pinned to products they administer.";

const silenceOut = z.object({
  id: z.string(),
  state: z.enum(SILENCE_STATES),
  eventTypes: z.array(z.string()),
  products: z.array(z.string()).describe("product slugs"),
  severities: z.array(z.enum(SEVERITIES)),
  channels: z.array(z.string()).describe("channel ids; empty: every channel"),
  title: z.string().nullable(),
  data: z.array(z.object({ key: z.string(), value: z.string() })),
  reason: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  expiredBy: z.string().nullable(),
  createdAt: z.string(),
  silencedEvents: z.number().int().describe("events it kept from one or more channels"),
});

export const listSilencesEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/orgs/{org}/silences",
  summary: "Silences: active and pending (soonest end first), then those expired in the last 30 days",
  tag: "Silences",
  permission: "org:read",
  query: silenceFiltersSchema,
  exampleQuery: { state: "active" },
  response: z.object({ silences: z.array(silenceOut) }),
});

export const createSilenceEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/orgs/{org}/silences",
  summary: `Silence notifications: events matching every non-empty matcher between startsAt (default now) and endsAt (or startsAt + duration) are stored, marked silenced, and not sent to the silence's channels (all, if none named). ${MAY_SILENCE}`,
  tag: "Silences",
  permission: "org:read",
  body: silenceSchema,
  example: { eventTypes: ["deployment.failed"], products: ["web-shop"], duration: "4h", reason: "Planned migration of the shop's cluster" },
  response: z.object({ silence: silenceOut }),
  status: 201,
});

export const getSilenceEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/orgs/{org}/silences/{id}",
  summary: "Show a silence",
  tag: "Silences",
  permission: "org:read",
  response: z.object({ silence: silenceOut }),
});

export const expireSilenceEndpoint = endpoint({
  method: "DELETE",
  path: "/api/v1/orgs/{org}/silences/{id}",
  summary: `Expire a silence now, as Alertmanager's DELETE does: it is kept, expired, so the events it kept quiet still name it (409 when already expired). ${MAY_SILENCE}`,
  tag: "Silences",
  permission: "org:read",
  status: 204,
});

export const snoozeEventEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/orgs/{org}/events/{id}/snooze",
  summary: `Snooze one recurring alert, as CIPP does: a silence of this event's type, product and title for 7, 14, 30 or 90 days. ${MAY_SILENCE}`,
  tag: "Silences",
  permission: "org:read",
  body: snoozeSchema,
  example: { days: 7, reason: "Known issue, fix scheduled" },
  response: z.object({ silence: silenceOut }),
  status: 201,
});
