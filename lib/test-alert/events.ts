import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { orgs } from "@/db/schema";
import { sampleEvent, SAMPLES, TEST_EVENT_TYPE } from "@/lib/channels/sample-events";
import type { RenderableEvent } from "@/lib/channels/types";
import { orgCatalog } from "@/lib/events/catalog";
import { invalid, notFound, type FieldErrors } from "@/lib/errors";
import type { TestAlertInput } from "@/lib/validation/test-alert";
import { sampleProduct, type TestScope } from "./scope";

/**
 * The events a test alert carries: sample events of catalog types (realistic
 * titles and data, flagged `test: true`), a custom title and message, or —
 * when nothing is chosen — one generic test event.
 */

/** A test event before it is stored: what renderers see, plus the product id to store it under. */
export type TestEvent = RenderableEvent & { productId: string | null };

export async function buildTestEvents(
  db: DbOrTx,
  scope: TestScope,
  input: Pick<TestAlertInput, "events" | "custom">,
  options: { publicUrl: string; now?: Date },
): Promise<TestEvent[]> {
  const [org] = await db.select({ slug: orgs.slug, name: orgs.name }).from(orgs).where(eq(orgs.id, scope.orgId)).limit(1);
  if (!org) throw notFound("Organization");
  const catalog = new Map((await orgCatalog(db, scope.orgId)).map((t) => [t.key, t]));
  const productForSamples = await sampleProduct(db, scope);
  const now = options.now ?? new Date();
  // One millisecond apart, so the stored order (by occurredAt) is the order chosen.
  const at = (i: number) => new Date(now.getTime() + i);
  const ctx = (product: TestScope["product"], i: number) => ({ org, product, publicUrl: options.publicUrl, now: at(i) });
  const fields: FieldErrors = {};
  const out: TestEvent[] = [];

  (input.events ?? []).forEach((item, i) => {
    const type = catalog.get(item.type);
    if (!type) {
      (fields[`events.${i}.type`] ??= []).push(`unknown event type "${item.type}"`);
      return;
    }
    // Product events get a product; org events none; "any" (log lines) follows the scope.
    const wantsProduct = type.scope === "product" || (type.scope === "any" && scope.product !== null) || SAMPLES[type.key]?.product === true;
    const product = wantsProduct ? productForSamples : null;
    const event = sampleEvent(ctx(product, out.length), type.key, item.severity);
    if (!SAMPLES[type.key]) event.title = `Test: ${type.title}`;
    out.push({ ...event, product: product && { id: product.id, slug: product.slug, name: product.name }, productId: product?.id ?? null });
  });
  if (Object.keys(fields).length) throw invalid(fields, "Some sample events are invalid");

  if (input.custom) {
    const product = scope.product;
    const event = sampleEvent(ctx(product, out.length), TEST_EVENT_TYPE, input.custom.severity ?? "info");
    event.title = input.custom.title;
    event.data = { ...(input.custom.message ? { message: input.custom.message } : {}), test: true };
    out.push({ ...event, product: product && { id: product.id, slug: product.slug, name: product.name }, productId: product?.id ?? null });
  }

  if (out.length === 0) {
    const product = scope.product;
    const event = sampleEvent(ctx(product, 0), TEST_EVENT_TYPE, "info");
    out.push({ ...event, product: product && { id: product.id, slug: product.slug, name: product.name }, productId: product?.id ?? null });
  }
  return out;
}
