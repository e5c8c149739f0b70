"use client";

import { TextAreaField } from "@/components/ui/field";
import type { MessageTemplate } from "@/lib/validation/channels";

const VARIABLES = "event (type, severity, title, data, product, org, link, occurred_at), events (a digest's), count, severity";

/**
 * A channel's message template in Liquid (lib/channels/template.ts). Chat and
 * e-mail: a title and a body, both optional (empty: Herald's own); a webhook
 * whose format is "template": its JSON body. Checked at save against sample
 * events, a mistake named by its line; the test-alert dialog previews it.
 */
export function TemplateField({
  json,
  value,
  onChange,
  errorOf,
}: {
  /** A webhook's JSON body only. */
  json: boolean;
  value: MessageTemplate | null | undefined;
  onChange: (next: MessageTemplate | null) => void;
  errorOf: (name: string) => string | undefined;
}) {
  const current = value ?? {};
  const set = (part: "title" | "body", text: string) => {
    const next = { ...current, [part]: text || null };
    onChange(next.title || next.body ? next : null);
  };
  return (
    <fieldset className="space-y-2 rounded-md border border-slate-200 p-3">
      <legend className="px-1 text-sm font-medium">Message template</legend>
      {!json && (
        <TextAreaField
          label="Title"
          rows={1}
          placeholder="{{ count }} events from {{ event.product.name }}"
          value={current.title ?? ""}
          onChange={(e) => set("title", e.target.value)}
          error={errorOf("template.title")}
        />
      )}
      <TextAreaField
        label={json ? "JSON body" : "Body"}
        rows={json ? 6 : 3}
        className="font-mono text-xs"
        placeholder={json ? '{"text": {{ event.title | json }}, "severity": "{{ severity }}"}' : "{% for e in events %}• {{ e.title }}\n{% endfor %}"}
        value={current.body ?? ""}
        onChange={(e) => set("body", e.target.value)}
        error={errorOf("template.body")}
        hint={`Liquid. Sees ${VARIABLES}.${json ? " Quote text with the json filter: {{ event.title | json }}." : " Empty: Herald's own message."} One message per delivery, a digest's included.`}
      />
    </fieldset>
  );
}
