import { describe, expect, it } from "vitest";
import { channelModule } from "./registry";
import { sampleEvent } from "./sample-events";
import { SLACK_LIMITS } from "./slack/module";
import { checkTemplate, renderJsonTemplate, renderTemplate, templated, TemplateError } from "./template";
import type { ChannelConfig, RenderableEvent } from "./types";

/**
 * Message templates (issue #24 item 1): Liquid, sandboxed and bounded; one
 * message per delivery in each receiver's own shape and limits; a webhook's
 * JSON body; mistakes named by line at save time.
 */

const ctx = { org: { slug: "acme", name: "Acme" }, product: { slug: "web-shop", name: "Web shop" }, publicUrl: "https://herald.example.com" };
const failed = (title: string): RenderableEvent => ({ ...sampleEvent(ctx, "deployment.failed"), title });
const config = (type: ChannelConfig["type"], template: Record<string, string>, extra: Record<string, unknown> = {}): ChannelConfig => ({
  type,
  settings: { template, ...extra },
  secrets: { url: "https://hooks.slack.com/services/T0/B0/x" },
});

describe("message templates", () => {
  it("a Slack digest becomes one message with the template's title and body, event text escaped, within Slack's limits", () => {
    const events = [failed("deploy 1 <!channel> failed"), failed("deploy 2 failed"), failed("deploy 3 failed")];
    const tpl = { title: "{{ count }} failures on {{ event.product.name }}", body: "{% for e in events %}• {{ e.title }}\n{% endfor %}" };
    const [message, ...rest] = channelModule("slack").render(config("slack", tpl), events);
    expect(rest).toHaveLength(0);
    const body = (message as { body: { text: string; blocks: { type: string; text?: { text: string } }[] } }).body;
    expect(body.blocks[0]).toMatchObject({ type: "header", text: { text: "3 failures on Web shop" } });
    const section = body.blocks.find((b) => b.type === "section" && b.text?.text.includes("deploy 2"))!;
    expect(section.text!.text).toContain("• deploy 2 failed");
    expect(section.text!.text).not.toContain("<!channel>");

    const long = channelModule("slack").render(config("slack", { title: "{% for i in (1..400) %}x{% endfor %}" }), events)[0] as {
      body: { blocks: { text: { text: string } }[] };
    };
    expect(long.body.blocks[0].text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.header);
  });

  it("Discord, Teams and e-mail show the template's body where the data would be", () => {
    const tpl = { title: "Deploy of {{ event.product.slug }}", body: "Broken by {{ event.data.pusher | default: 'someone' }}" };
    const events = [failed("deploy failed")];
    const discord = channelModule("discord").render(config("discord", tpl), events)[0] as { body: { embeds: { title: string; description: string }[] } };
    expect(discord.body.embeds[0]).toMatchObject({ title: "Deploy of web-shop", description: expect.stringContaining("Broken by") });
    const teams = JSON.stringify(channelModule("teams").render(config("teams", tpl), events)[0]);
    expect(teams).toContain("Deploy of web-shop");
    expect(teams).toContain("Broken by");
    const mail = channelModule("email").render(config("email", tpl, { recipients: ["ops@example.com"] }), events)[0] as {
      subject: string;
      text: string;
      html: string;
    };
    expect(mail.text).toContain("Broken by");
    expect(mail.html).toContain("Broken by");
    expect(mail.subject).toContain("Deploy of web-shop");
  });

  it("a webhook's format template sends the template's JSON, strings quoted by the json filter", () => {
    const events = [failed('say "hi"'), failed("second")];
    const body =
      '{"text": {{ event.title | json }}, "count": {{ count }}, "titles": [{% for e in events %}{{ e.title | json }}{% unless forloop.last %},{% endunless %}{% endfor %}]}';
    const [rendered] = channelModule("webhook").render(config("webhook", { body }, { format: "template", url: "https://example.com/hook" }), events);
    expect((rendered as { body: unknown }).body).toEqual({ text: 'say "hi"', count: 2, titles: ['say "hi"', "second"] });
    expect(() => renderJsonTemplate('{"text": "{{ event.title }}"}', events)).toThrow(/does not render valid JSON/);
  });

  it("is a sandbox: no file is read, no prototype is reached, a runaway render is stopped", () => {
    const events = [failed("x")];
    expect(() => renderTemplate("{% include '/etc/passwd' %}", events)).toThrow(TemplateError);
    expect(() => renderTemplate("{% render 'secrets' %}", events)).toThrow(TemplateError);
    expect(renderTemplate("[{{ event.constructor }}][{{ event.title.constructor }}][{{ events.__proto__ }}]", events)).toBe("[][][]");
    expect(() => renderTemplate("{% for i in (1..100000000) %}{{ i }}{% endfor %}", events)).toThrow(TemplateError);
    expect(() => renderTemplate("{{ event.title | no_such_filter }}", events)).toThrow(/undefined filter: no_such_filter/);
  });

  it("names the line of a mistake at save time; a template that fails at send time fails the attempt without retry", async () => {
    const samples = [failed("x")];
    expect(checkTemplate("slack", { title: "ok", body: "line one\n{% if event.title %}\nunclosed" }, samples)).toEqual({
      "template.body": [expect.stringMatching(/^line 2: tag \{% if event.title %\} not closed/)],
    });
    expect(checkTemplate("webhook", { body: "not json" }, samples)).toEqual({ "template.body": [expect.stringMatching(/does not render valid JSON/)] });
    expect(checkTemplate("slack", { title: "{{ count }} events" }, samples)).toEqual({});
    expect(() => templated(config("slack", { title: "{% for i in (1..100000000) %}{{ i }}{% endfor %}" }), samples)).toThrow(TemplateError);
    const result = await channelModule("slack").send(
      {
        id: "ch_1",
        orgId: "org_1",
        name: "s",
        type: "slack",
        settings: { template: { title: "{% for i in (1..100000000) %}{{ i }}{% endfor %}" } },
        secrets: { url: "https://hooks.slack.com/services/T0/B0/x" },
      },
      samples,
      { messageId: "dlv_1" },
    );
    expect(result).toMatchObject({ ok: false, retryable: false, error: expect.stringMatching(/^the message template failed: /) });
  });
});

describe("the channel dialog's preview", () => {
  it("renders what the type would send for a digest of two samples, or names the mistake", async () => {
    const { previewTemplate } = await import("./template-preview");
    const org = { slug: "acme", name: "Acme" };
    const ok = previewTemplate({ type: "slack", template: { title: "{{ count }} from {{ event.org.name }}" } }, org, "https://herald.example.com");
    expect(ok.errors).toEqual({});
    expect(ok.messages).toHaveLength(1);
    expect(JSON.stringify(ok.messages[0])).toContain("2 from Acme");
    const hook = previewTemplate({ type: "webhook", template: { body: '{"n": {{ count }}}' } }, org, "https://herald.example.com");
    expect(hook.messages).toEqual([{ kind: "http", headers: [], body: { n: 2 } }]);
    const bad = previewTemplate({ type: "discord", template: { title: "{% if %}" } }, org, "https://herald.example.com");
    expect(bad.messages).toEqual([]);
    expect(Object.keys(bad.errors)).toEqual(["template.title"]);
  });
});
