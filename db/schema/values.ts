/** Values and types of the model shared by both engines and the code above the data layer. */

export const ORG_ROLES = ["owner", "admin", "member"] as const;

export type OrgRole = (typeof ORG_ROLES)[number];

export const TOKEN_ROLES = ["admin", "product-admin", "read"] as const;

export type TokenRole = (typeof TOKEN_ROLES)[number];

export const CHANNEL_TYPES = ["email", "slack", "teams", "discord", "mattermost", "webhook", "inbox"] as const;

export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** `throttled`: the receiver is rate-limiting us (back-pressure, not failure); Herald sends at the rate it accepts. */
export const CHANNEL_HEALTH = ["healthy", "throttled", "failing", "disabled"] as const;

export type ChannelHealth = (typeof CHANNEL_HEALTH)[number];

export const SEVERITIES = ["debug", "info", "warning", "error", "critical", "alert"] as const;

export type Severity = (typeof SEVERITIES)[number];

/** An AES-256-GCM ciphertext with the id of the key that made it. */
export type SealedSecret = { kid: string; iv: string; ct: string; tag: string };

/** What one attempt came to (lib/dispatch/retry.ts decides). */
export const ATTEMPT_OUTCOMES = ["delivered", "retry", "throttled", "failed", "dead"] as const;

export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

export const DELIVERY_STATUSES = ["queued", "sending", "delivered", "failed", "dead"] as const;

export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Statuses a person may send again by hand (Retry): not while it is being sent, not once delivered. */
export const RETRYABLE_DELIVERY_STATUSES: readonly DeliveryStatus[] = ["queued", "failed", "dead"];

/**
 * The deliveries a worker may still claim. SQLite uses the partial index
 * deliveries_due_idx only for a query whose WHERE repeats this term verbatim.
 */
export const PENDING_DELIVERY = "status IN ('queued', 'sending')";

/**
 * Deliveries that are done (delivered, failed, dead): the history. The delivery log's
 * status filter repeats this term verbatim so SQLite can use deliveries_finished_idx.
 */
export const FINISHED_DELIVERY = "status IN ('delivered', 'failed', 'dead')";
export const FINISHED_STATUSES: readonly DeliveryStatus[] = ["delivered", "failed", "dead"];

/**
 * What a silence matches (issue #23). Every list that is not empty must hold for the
 * event (one of its values); an empty list matches anything. `channels` narrows which
 * of the event's channels are kept quiet; `title` (exact) and `data` (each key equal
 * to the value, compared as text) pin one recurring alert, as a snooze does.
 */
export type SilenceMatchers = {
  eventTypes: string[];
  /** Product ids. */
  products: string[];
  severities: Severity[];
  /** Channel ids. */
  channels: string[];
  title: string | null;
  data: { key: string; value: string }[];
};

/** What CIPP's notification settings made in an org, and the flags Herald keeps for CIPP without acting on them. */
/** A channel's quiet hours (lib/events/quiet-hours.ts): working hours in its time zone, and what may interrupt outside them. */
export type QuietHours = { timezone: string; days: number[]; start: string; end: string; minSeverity: Severity };

export type CippSettings = {
  emailChannelId: string | null;
  webhookChannelId: string | null;
  ruleId: string | null;
  sendtoIntegration: boolean;
  includeTenantId: boolean;
};
