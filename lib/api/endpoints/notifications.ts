import { z } from "zod";
import { endpoint } from "@/lib/api/endpoint";
import { createNotificationSchema, NOTIFICATION_TYPES, patchNotificationSchema } from "@/lib/validation/notifications";

/**
 * Product notifications, Scalingo-compatible (DESIGN §6). The org comes from
 * the token (or `?org=` with a console session); `{app}` is the product's
 * slug. The permission checked is product:configure of that product (the
 * handler checks it once the product is known).
 */

const PRODUCT_ADMIN = "Changes need product:configure for the product: its product admins, a token limited to it, an admin token, or an owner/admin.";

const notificationOut = z.object({
  id: z.string(),
  type: z.enum(NOTIFICATION_TYPES),
  app: z.string().describe("the product's slug"),
  app_id: z.string().describe("the product's id (Scalingo's app reference)"),
  webhook_url: z.string().describe("masked: the URL's credentials are never returned"),
  active: z.boolean(),
  send_all_events: z.boolean(),
  selected_events: z.array(z.string()).describe("event type keys (when send_all_events is false)"),
  created_at: z.string(),
  updated_at: z.string(),
});

export const listNotificationsEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/apps/{app}/notifications",
  summary: "List a product's notifications (URLs masked)",
  tag: "Product notifications",
  permission: "org:read",
  response: z.object({ notifications: z.array(notificationOut) }),
});

export const createNotificationEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/apps/{app}/notifications",
  summary: `Attach a destination to a product (at most one active per type; a URL that does not fit the type is a 422). ${PRODUCT_ADMIN}`,
  tag: "Product notifications",
  permission: "org:read",
  body: createNotificationSchema,
  example: {
    notification: {
      type: "slack",
      webhook_url: "https://hooks.slack.com/services/T000/B000/XXXX",
      send_all_events: false,
      selected_events: ["deployment.failed"],
    },
  },
  response: z.object({ notification: notificationOut }),
  status: 201,
});

export const getNotificationEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/apps/{app}/notifications/{id}",
  summary: "Show a product notification (URL masked)",
  tag: "Product notifications",
  permission: "org:read",
  response: z.object({ notification: notificationOut }),
});

export const updateNotificationEndpoint = endpoint({
  method: "PATCH",
  path: "/api/v1/apps/{app}/notifications/{id}",
  summary: `Change a product notification (URL, active, events); the type stays. ${PRODUCT_ADMIN}`,
  tag: "Product notifications",
  permission: "org:read",
  body: patchNotificationSchema,
  example: { notification: { active: false } },
  response: z.object({ notification: notificationOut }),
});

export const deleteNotificationEndpoint = endpoint({
  method: "DELETE",
  path: "/api/v1/apps/{app}/notifications/{id}",
  summary: `Remove a product notification (its channel and its rule). ${PRODUCT_ADMIN}`,
  tag: "Product notifications",
  permission: "org:read",
  status: 204,
});
