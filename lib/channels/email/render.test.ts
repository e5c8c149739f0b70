import { describe, expect, it } from "vitest";
import { emailHtml, emailSubject, emailText, SUBJECT_MAX } from "./render";
import { HOSTILE, makeEvent, manyEvents, wideData } from "../testing/events";

describe("e-mail rendering", () => {
  it("names the severity and product of a single event in the subject", () => {
    expect(emailSubject([makeEvent()])).toBe("[ERROR] Shop: Deployment 1 failed");
    expect(emailSubject([makeEvent({ product: null, severity: "warning", title: "Credits low" })])).toBe("[WARNING] Credits low");
  });

  it("names the count, the top severity and the product of several", () => {
    const events = [makeEvent({ severity: "info" }), makeEvent({ severity: "critical" }, 2), makeEvent({ severity: "warning" }, 3)];
    expect(emailSubject(events)).toBe("[CRITICAL] 3 events for Shop");
    const spread = [makeEvent(), makeEvent({ product: { slug: "api", name: "API" } }, 2)];
    expect(emailSubject(spread)).toBe("[ERROR] 2 events for ACME (2 products)");
    // An org-wide event beside one product's: no "(1 products)".
    expect(emailSubject([makeEvent({ product: null }), makeEvent({}, 2)])).toBe("[ERROR] 2 events for ACME");
  });

  it("keeps the subject on one line and bounded", () => {
    const subject = emailSubject([makeEvent({ title: "line\r\nBcc: victim@x.org " + "x".repeat(10_000) })]);
    expect(subject).not.toMatch(/[\r\n]/);
    for (const control of ["\u000b", "\u0085", "\u2028", "\u2029", "\u001b", "\u007f"]) {
      expect(emailSubject([makeEvent({ title: `a${control}b` })])).toBe("[ERROR] Shop: a b");
    }
    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    expect(subject.endsWith("…")).toBe(true);
  });

  it("escapes HTML in every piece of event text", () => {
    const html = emailHtml([makeEvent({ title: HOSTILE, data: { [HOSTILE]: HOSTILE } })]);
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("&amp;amp;");
  });

  it("lists all 25 events with their data in the HTML table and the text part", () => {
    const events = manyEvents(25, { data: { region: "eu-west" } });
    const html = emailHtml(events);
    const text = emailText(events);
    expect(html.match(/<tr><td style="[^"]*"><span/g)).toHaveLength(25);
    for (const e of events) {
      expect(html).toContain(e.title);
      expect(text).toContain(e.title);
      expect(text).toContain(e.link);
    }
    expect(text.match(/region: eu-west/g)).toHaveLength(25);
    expect(text.startsWith("25 events from Herald for ACME.")).toBe(true);
  });

  it("cuts over-long values visibly and keeps every field", () => {
    const text = emailText([makeEvent({ data: wideData(60, 10_000) })]);
    expect(text.match(/field_\d+: /g)).toHaveLength(60);
    expect(text).toContain("x…");
  });
});
