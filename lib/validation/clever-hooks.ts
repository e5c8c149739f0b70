import { z } from "zod";

/**
 * Clever Cloud's notification hooks as clever-tools sends them (issue #19 item 8):
 * `clever webhooks add` posts `{name, urls: [{format, url}], scope, events}`,
 * `clever notify-email add` posts `{name, notified: [{type, target}], scope, events}`.
 * `scope`: the applications (Herald products, by slug or id); `events`: empty or
 * absent means every event.
 */

const CLEVER_FORMATS = ["raw", "slack", "flowdock", "gitter"] as const;
const CLEVER_NOTIFIED_TYPES = ["email", "userid", "organisation"] as const;

/**
 * Clever Cloud's event names → Herald's event types. A Herald type key is accepted
 * as it is; other Clever Cloud events have no Herald counterpart and are refused
 * by name (a 422 listing these).
 */
export const CLEVER_EVENTS: Record<string, string[]> = {
  META_DEPLOYMENT_RESULT: ["deployment.succeeded", "deployment.failed"],
  DEPLOYMENT_SUCCESS: ["deployment.succeeded"],
  DEPLOYMENT_FAIL: ["deployment.failed"],
  META_CREDITS: ["billing.credits_low"],
  ORGANISATION_USER_ADDITION: ["account.created"],
};

const base = {
  name: z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters").optional(),
  scope: z.array(z.string().trim().min(1, "must not be empty").max(100)).max(200, "may name at most 200 applications").optional(),
  events: z.array(z.string().trim().min(1, "must not be empty").max(100)).max(200, "may name at most 200 events").optional(),
};

export const cleverWebhookSchema = z.object({
  ...base,
  urls: z
    .array(
      z.object({
        format: z.enum(CLEVER_FORMATS, { error: `must be one of ${CLEVER_FORMATS.join(", ")}` }).default("raw"),
        url: z.string().trim().min(1, "is required").max(2000, "must be at most 2,000 characters"),
      }),
    )
    .length(1, "must hold exactly one URL: add one hook per URL"),
});
export type CleverWebhookInput = z.output<typeof cleverWebhookSchema>;

export const cleverEmailhookSchema = z.object({
  ...base,
  notified: z
    .array(
      z.object({
        type: z.enum(CLEVER_NOTIFIED_TYPES, { error: `must be one of ${CLEVER_NOTIFIED_TYPES.join(", ")}` }),
        target: z.string().trim().min(1, "is required").max(320),
      }),
    )
    .max(50, "may name at most 50 targets")
    .optional(),
});
export type CleverEmailhookInput = z.output<typeof cleverEmailhookSchema>;
