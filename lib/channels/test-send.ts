import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { orgs, products } from "@/db/schema";
import { channelRow, loadSendableChannel, recipientGroupResolver } from "@/db/queries/channels";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { channelModule } from "./registry";
import { testEvent } from "./sample-events";
import type { SendContext } from "./types";

export type TestSendResult = { ok: boolean; status?: number; durationMs: number; error?: string };

/**
 * "Send test": one sample notification in the channel's real format, right
 * now, through the same module and guard as the dispatcher. It reads the
 * channel and writes nothing: a test never changes the channel's health.
 */
export async function sendChannelTest(
  db: DbOrTx,
  orgId: string,
  channelId: string,
  options: Pick<SendContext, "dispatcher" | "timeoutMs"> = {},
): Promise<TestSendResult> {
  const row = await channelRow(db, orgId, channelId);
  const module = channelModule(row.type);
  if (module.transport === "database") {
    throw new AppError("validation_failed", "An inbox channel has nothing to send a test to: its events appear in the console");
  }
  const [org] = await db.select({ slug: orgs.slug, name: orgs.name }).from(orgs).where(eq(orgs.id, orgId)).limit(1);
  if (!org) throw new AppError("not_found", "Organization not found");
  const product = row.productId
    ? ((await db.select({ slug: products.slug, name: products.name }).from(products).where(eq(products.id, row.productId)).limit(1))[0] ?? null)
    : null;
  const channel = (await loadSendableChannel(db, channelId))!;
  const event = testEvent({ org, product, publicUrl: env().publicUrl });
  const result = await module.send(channel, [event], {
    ...options,
    messageId: newId("test"),
    resolveGroup: recipientGroupResolver(db, orgId),
  });
  const out: TestSendResult = { ok: result.ok, durationMs: result.durationMs };
  if (result.statusCode !== undefined) out.status = result.statusCode;
  if (result.error) out.error = result.error;
  return out;
}
