import crypto from "node:crypto";
import type { Severity } from "@/db/schema/values";
import type { RenderableEvent } from "./types";

/**
 * Sample events for "Send test" and the test-alert dialog: realistic titles
 * and data per built-in type, so a test shows what real messages look like.
 */

type Sample = { title: string; severity: Severity; product: boolean; data: Record<string, unknown> };

export const SAMPLES: Record<string, Sample> = {
  "deployment.failed": {
    title: "Deployment of web@4f2a9c1 to production failed",
    severity: "error",
    product: true,
    data: { environment: "production", commit: "4f2a9c1", step: "health check", exitCode: 1 },
  },
  "deployment.succeeded": {
    title: "Deployment of web@4f2a9c1 to production succeeded",
    severity: "info",
    product: true,
    data: { environment: "production", commit: "4f2a9c1", durationSeconds: 94 },
  },
  "product.released": { title: "Version 2.4.0 released", severity: "info", product: true, data: { version: "2.4.0" } },
  "product.compliance_changed": {
    title: "Compliance status changed to non-compliant",
    severity: "warning",
    product: true,
    data: { from: "compliant", to: "non-compliant", policy: "sbom-present" },
  },
  "storage.unhealthy": { title: "Herald's database cannot be written", severity: "critical", product: false, data: { freeBytes: 0 } },
  "integration.unhealthy": {
    title: 'Channel "ops-slack" is failing',
    severity: "error",
    product: false,
    data: { channel: "ops-slack", consecutiveFailures: 5 },
  },
  "billing.credits_low": { title: "Credits are running low", severity: "warning", product: false, data: { remaining: "12.40 EUR" } },
  "account.created": { title: "alice@example.com joined the organization", severity: "info", product: false, data: { role: "member" } },
  "token.created": { title: 'API token "ci" created', severity: "warning", product: false, data: { role: "admin" } },
  "log.entry": { title: "Backup job finished with warnings", severity: "warning", product: false, data: { job: "nightly-backup" } },
};

export const TEST_EVENT_TYPE = "herald.test";

export type SampleContext = {
  org: { slug: string; name: string };
  product?: { slug: string; name: string } | null;
  /** HERALD_PUBLIC_URL, for the link back to the console. */
  publicUrl: string;
  now?: Date;
};

/** One sample event of a type (any type; unknown ones get a generic title). */
export function sampleEvent(ctx: SampleContext, type: string = TEST_EVENT_TYPE, severity?: Severity): RenderableEvent {
  const sample = SAMPLES[type];
  const product = sample?.product === false ? null : (ctx.product ?? null);
  return {
    id: `evt_test_${crypto.randomBytes(6).toString("base64url")}`,
    type,
    severity: severity ?? sample?.severity ?? "info",
    title: sample?.title ?? (type === TEST_EVENT_TYPE ? "Test notification from Herald" : `Sample ${type} event`),
    data: { ...(sample?.data ?? { note: "This is a test sent from Herald. No action is needed." }), test: true },
    occurredAt: ctx.now ?? new Date(),
    org: ctx.org,
    product,
    link: `${ctx.publicUrl}/o/${encodeURIComponent(ctx.org.slug)}/events`,
  };
}

/** The event a channel's "Send test" button sends. */
export function testEvent(ctx: SampleContext): RenderableEvent {
  return sampleEvent(ctx, TEST_EVENT_TYPE, "info");
}
