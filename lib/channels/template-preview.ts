import type { ChannelType } from "@/db/schema/values";
import type { PreviewMessage } from "@/lib/test-alert/preview";
import type { MessageTemplate } from "@/lib/validation/channel-fields";
import { channelModule } from "./registry";
import { sampleEvent } from "./sample-events";
import { checkTemplate } from "./template";

/**
 * The channel dialog's live preview of a message template (issue #24): what
 * the channel would send for a digest of two sample events — a failed and a
 * succeeded deployment — rendered by the channel type's own code, or the
 * template's mistakes by field and line. Needs no saved channel and no secret.
 */
export function previewTemplate(
  input: { type: ChannelType; format?: string; template: MessageTemplate },
  org: { slug: string; name: string },
  publicUrl: string,
): { messages: PreviewMessage[]; errors: Record<string, string[]> } {
  const ctx = { org, product: { slug: "web-shop", name: "Web shop" }, publicUrl };
  const samples = [sampleEvent(ctx, "deployment.failed"), sampleEvent(ctx, "deployment.succeeded")];
  const errors = checkTemplate(input.type, input.template, samples);
  if (Object.keys(errors).length) return { messages: [], errors };
  const settings = { template: input.template, format: input.type === "webhook" ? "template" : input.format, recipients: ["you@example.com"] };
  const rendered = channelModule(input.type).render({ type: input.type, settings, secrets: {} }, samples);
  const messages = rendered.map((m): PreviewMessage => (m.kind === "http" ? { kind: "http", headers: [], body: m.body } : m));
  return { messages, errors };
}
