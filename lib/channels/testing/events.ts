import type { RenderableEvent } from "../types";

/** An event for renderer tests; override what the case is about. */
export function makeEvent(overrides: Partial<RenderableEvent> = {}, n = 1): RenderableEvent {
  return {
    id: `evt_${n}`,
    type: "deployment.failed",
    severity: "error",
    title: `Deployment ${n} failed`,
    data: { environment: "production", commit: "4f2a9c1" },
    occurredAt: new Date("2025-03-01T12:00:00.000Z"),
    org: { slug: "acme", name: "ACME" },
    product: { slug: "shop", name: "Shop" },
    link: `https://herald.example/o/acme/events/evt_${n}`,
    ...overrides,
  };
}

export const manyEvents = (count: number, overrides: Partial<RenderableEvent> = {}) => Array.from({ length: count }, (_, i) => makeEvent(overrides, i + 1));

/** `count` data fields whose values are `length` characters long. */
export const wideData = (count: number, length = 20) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`field_${i + 1}`, `v${i + 1}`.padEnd(length, "x")]));

/** Hostile text: HTML, markdown links, mentions of everyone. */
export const HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(1)> [click](https://evil.example) <!channel> <@U123> @everyone @here **bold** &amp;";
