import fs from "node:fs";
import path from "node:path";
import { emailSubject, emailText } from "@/lib/channels/email/render";
import { renderDiscordMessages } from "@/lib/channels/discord/module";
import { renderMattermostMessage } from "@/lib/channels/mattermost/module";
import { renderSlackMessage } from "@/lib/channels/slack/module";
import { renderTeamsMessages } from "@/lib/channels/teams/module";
import type { RenderableEvent } from "@/lib/channels/types";
import { renderWebhookBodies } from "@/lib/channels/webhook/module";

/**
 * The examples in docs/payloads.md, produced by the real renderers from two
 * fixed events. docs/payloads.test.ts checks the page against this, so the
 * page changes when a renderer does. Refresh the page with:
 *   npx tsx docs/payload-examples.ts --write
 */

const link = (id: string) => `https://herald.example.com/o/acme/events/${id}`;

export const EXAMPLE_EVENTS: RenderableEvent[] = [
  {
    id: "evt_7Qm2LxV0aB3dK9pR",
    type: "deployment.failed",
    severity: "error",
    title: "Deployment of web@4f2a9c1 to production failed",
    data: { environment: "production", commit: "4f2a9c1", step: "health check", exitCode: 1 },
    occurredAt: new Date("2026-01-31T12:00:00.000Z"),
    org: { slug: "acme", name: "Acme Corp" },
    product: { slug: "shop", name: "Shop" },
    link: link("evt_7Qm2LxV0aB3dK9pR"),
    snoozeLink: `${link("evt_7Qm2LxV0aB3dK9pR")}?snooze=1`,
  },
  {
    id: "evt_Zp4cN8wYt1Hs6eGu",
    type: "billing.credits_low",
    severity: "warning",
    title: "Credits are running low",
    data: { remaining: "12.40 EUR" },
    occurredAt: new Date("2026-01-31T12:00:05.000Z"),
    org: { slug: "acme", name: "Acme Corp" },
    product: null,
    link: link("evt_Zp4cN8wYt1Hs6eGu"),
    snoozeLink: `${link("evt_Zp4cN8wYt1Hs6eGu")}?snooze=1`,
  },
];

const GENERATED_AT = new Date("2026-01-31T12:00:06.000Z");

/** Name → the value shown in the page's block tagged `herald-example=NAME`. */
export function payloadExamples(): Record<string, unknown> {
  const events = EXAMPLE_EVENTS;
  return {
    "webhook-array": renderWebhookBodies("array", events)[0],
    "webhook-envelope": renderWebhookBodies("envelope", events, GENERATED_AT)[0],
    "webhook-event": renderWebhookBodies("event", events)[0],
    "webhook-scalingo": renderWebhookBodies("scalingo", [{ ...events[0], product: { id: "prd_7Qm2LxUzW3sN0bTe", slug: "shop", name: "Shop" } }])[0],
    slack: renderSlackMessage(events[0]),
    discord: renderDiscordMessages(events)[0],
    mattermost: renderMattermostMessage(events[0]),
    teams: renderTeamsMessages([events[0]])[0],
    "email-subject": emailSubject(events),
    "email-text": emailText(events),
  };
}

/** The block body as the page shows it: JSON pretty-printed, text as is. */
export function exampleText(value: unknown): string {
  return typeof value === "string" ? value.replace(/\n$/, "") : JSON.stringify(value, null, 2);
}

/** The page with every tagged block replaced by its example (what `--write` saves). */
export function withExamples(page: string): string {
  const examples = payloadExamples();
  return page.replace(/(```\w+ herald-example=([\w-]+)\n)[\s\S]*?```/g, (block, open: string, name: string) =>
    name in examples ? `${open}${exampleText(examples[name])}\n\`\`\`` : block,
  );
}

// `npx tsx docs/payload-examples.ts --write` refreshes docs/payloads.md after a renderer changed.
if (process.argv[1]?.endsWith("payload-examples.ts")) {
  const file = path.join(import.meta.dirname, "payloads.md");
  if (process.argv.includes("--write")) fs.writeFileSync(file, withExamples(fs.readFileSync(file, "utf8")));
  else for (const [name, value] of Object.entries(payloadExamples())) console.log(`--- ${name}\n${exampleText(value)}\n`);
}
