import { z } from "zod";
import { chatServiceOf } from "./channel-fields";

/**
 * Product notifications, Scalingo-compatible (DESIGN §6):
 * `{"notification":{"type","webhook_url","active"?,"send_all_events"?,"selected_events"?}}`.
 * Whether the URL fits the type is checked with the channel schemas (lib/validation/channels.ts).
 */

/** Scalingo's notifier types Herald serves; "webhook" is the generic one (Herald's webhook channel, raw event format). */
export const NOTIFICATION_TYPES = ["slack", "teams", "discord", "webhook"] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

const TYPE_MESSAGE = `must be one of ${NOTIFICATION_TYPES.join(", ")}`;
const flag = z.boolean({ error: "must be true or false" });
/** Scalingo's own documented PATCH example sends `"active": "true"`: the strings "true" and "false" count as booleans. */
const activeFlag = z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), flag);
const selectedEvents = z
  .array(z.string({ error: "must be an event type key" }).trim().min(1, "must not be empty").max(100))
  .max(200, "may name at most 200 event types");
const webhookUrl = z.string({ error: "is required" }).trim().min(1, "is required").max(2048, "must be at most 2,048 characters");

export const createNotificationSchema = z.object({
  notification: z.object(
    {
      type: z.enum(NOTIFICATION_TYPES, { error: TYPE_MESSAGE }).optional().describe("inferred from webhook_url when absent, as Scalingo does"),
      webhook_url: webhookUrl,
      active: activeFlag.default(true),
      send_all_events: flag.default(true),
      selected_events: selectedEvents.default([]),
    },
    { error: "is required: an object with type and webhook_url" },
  ),
});
export type CreateNotificationInput = z.output<typeof createNotificationSchema>["notification"];

export const patchNotificationSchema = z.object({
  notification: z.object(
    {
      type: z.enum(NOTIFICATION_TYPES, { error: TYPE_MESSAGE }).optional().describe("cannot change; accepted when it is the notification's type"),
      webhook_url: webhookUrl.optional(),
      active: activeFlag.optional(),
      send_all_events: flag.optional(),
      selected_events: selectedEvents.optional(),
    },
    { error: "is required: an object with the fields to change" },
  ),
});
export type PatchNotificationInput = z.output<typeof patchNotificationSchema>["notification"];

/**
 * The type of a notification created without one, from its URL, as Scalingo
 * does (a Slack URL is a Slack notification, anything else a webhook) — and
 * Discord and Teams URLs, which Herald also serves.
 */
export function inferNotificationType(webhookUrl: string): NotificationType {
  let url: URL;
  try {
    url = new URL(webhookUrl);
  } catch {
    return "webhook"; // the channel schema names what is wrong with it
  }
  const service = chatServiceOf(url);
  // An Office 365 connector URL is a Teams one, refused with how to make a Workflows URL.
  return service === "office365" ? "teams" : (service ?? "webhook");
}
