import type { ChannelType, Severity } from "@/db/schema";

/**
 * The contract between the channel modules (one per type: validate, render,
 * send) and their callers — the "Send test" button, the test-alert dialog and
 * the dispatcher. A channel module never reads the database.
 */

/** One event as every renderer sees it. */
export type RenderableEvent = {
  id: string;
  type: string;
  severity: Severity;
  title: string;
  data: Record<string, unknown>;
  occurredAt: Date;
  org: { slug: string; name: string };
  product: { slug: string; name: string } | null;
  /** Absolute link to the event in the console. */
  link: string;
};

/** A channel ready to send: plain settings plus decrypted secrets (never logged, never returned). */
export type SendableChannel = {
  id: string;
  orgId: string;
  type: ChannelType;
  name: string;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
};

export type SendContext = {
  /** Stable across retries: the Standard Webhooks `webhook-id`. */
  messageId: string;
  /** Resolves e-mail recipient groups (@owners, @admins, @product-admins) at send time. */
  resolveGroup?: (group: string, productSlug: string | null) => Promise<string[]> | string[];
};

/** The outcome of one attempt, as stored in the attempts table. */
export type SendResult = {
  ok: boolean;
  durationMs: number;
  /** HTTP status, or the SMTP reply code. */
  statusCode?: number;
  /** Bounded excerpt (≤ 2 KB) of the response body or SMTP reply. */
  response?: string;
  /** The error in words when not ok. */
  error?: string;
  /** Network error, timeout, 408, 429, 5xx, SMTP 4xx. */
  retryable: boolean;
  /** From Retry-After, when the receiver gave one. */
  retryAfterMs?: number;
  /** 410 Gone: the receiver says the endpoint no longer exists. */
  gone?: boolean;
};
