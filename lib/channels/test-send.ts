import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { orgs, products } from "@/db/schema";
import { channelRow, loadSendableChannel, recipientGroupResolver } from "@/lib/channels/service";
import { env } from "@/lib/env";
import { AppError, invalid } from "@/lib/errors";
import type { ChannelInput } from "@/lib/validation/channels";
import { splitChannelInput } from "./config";
import { newId } from "@/lib/ids";
import { channelModule } from "./registry";
import { testEvent } from "./sample-events";
import type { SendableChannel, SendContext } from "./types";

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
  options: Pick<SendContext, "poster" | "timeoutMs"> = {},
): Promise<TestSendResult> {
  const row = await channelRow(db, orgId, channelId);
  const typeModule = channelModule(row.type);
  if (typeModule.transport === "database") {
    throw new AppError("validation_failed", "An inbox channel has nothing to send a test to: its events appear in the console");
  }
  const [org] = await db.select({ slug: orgs.slug, name: orgs.name }).from(orgs).where(eq(orgs.id, orgId)).limit(1);
  if (!org) throw new AppError("not_found", "Organization not found");
  const product = row.productId
    ? ((await db.select({ slug: products.slug, name: products.name }).from(products).where(eq(products.id, row.productId)).limit(1))[0] ?? null)
    : null;
  return sendSample(db, (await loadSendableChannel(db, channelId))!, { slug: org.slug, name: org.name }, product, options);
}

/**
 * A channel about to be created, tested before it is (issue #19: as Chainloop
 * registers an integration): one sample notification to the receiver as the
 * channel would send it, signing secret included. Refused with 422 naming
 * what the receiver answered, unless the caller opted out with `skipTest`.
 * An inbox has no receiver: nothing to test.
 */
export async function requireWorkingReceiver(db: DbOrTx, orgId: string, input: ChannelInput, options: Pick<SendContext, "poster" | "timeoutMs"> = {}) {
  if (channelModule(input.type).transport === "database") return;
  const [org] = await db.select({ slug: orgs.slug, name: orgs.name }).from(orgs).where(eq(orgs.id, orgId)).limit(1);
  if (!org) throw new AppError("not_found", "Organization not found");
  const { settings, secrets } = splitChannelInput(input);
  const channel: SendableChannel = { id: "ch_new", orgId, type: input.type, name: input.name, settings, secrets };
  const result = await sendSample(db, channel, org, null, options);
  if (result.ok) return;
  const field = input.type === "email" ? "recipients" : "url";
  const answer = result.error ?? `the receiver answered ${result.status}`;
  throw invalid(
    { [field]: [`the test notification failed: ${answer}`], skipTest: ["set to true to create the channel without testing it"] },
    `The channel was not created: its test notification failed (${answer}). Fix the receiver, or send "skipTest": true to create it untested.`,
  );
}

async function sendSample(
  db: DbOrTx,
  channel: SendableChannel,
  org: { slug: string; name: string },
  product: { slug: string; name: string } | null,
  options: Pick<SendContext, "poster" | "timeoutMs">,
): Promise<TestSendResult> {
  const event = testEvent({ org, product, publicUrl: env().publicUrl });
  const result = await channelModule(channel.type).send(channel, [event], {
    ...options,
    messageId: newId("test"),
    resolveGroup: recipientGroupResolver(db, channel.orgId),
  });
  const out: TestSendResult = { ok: result.ok, durationMs: result.durationMs };
  if (result.statusCode !== undefined) out.status = result.statusCode;
  if (result.error) out.error = result.error;
  return out;
}
