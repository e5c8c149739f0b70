"use client";

import { useState } from "react";
import { MessageView } from "@/components/message-view";
import { Button } from "@/components/ui/button";
import { TextAreaField } from "@/components/ui/field";
import type { ChannelType } from "@/db/schema/values";
import type { PreviewMessage } from "@/lib/test-alert/preview";
import type { MessageTemplate } from "@/lib/validation/channel-fields";
import { previewTemplateAction } from "../channel-actions";

const VARIABLES = "event (type, severity, title, data, product, org, link, occurred_at), events (a digest's), count, severity";

/**
 * A channel's message template in Liquid (lib/channels/template.ts). Chat and
 * e-mail: a title and a body, both optional (empty: Herald's own); a webhook
 * whose format is "template": its JSON body. Checked at save against sample
 * events, a mistake named by its line; the test-alert dialog previews it.
 */
export function TemplateField({
  org,
  type,
  value,
  onChange,
  errorOf,
}: {
  org: string;
  type: ChannelType;
  value: MessageTemplate | null | undefined;
  onChange: (next: MessageTemplate | null) => void;
  errorOf: (name: string) => string | undefined;
}) {
  const json = type === "webhook";
  const current = value ?? {};
  const [preview, setPreview] = useState<{ messages: PreviewMessage[]; problems: string[] } | null>(null);
  const [previewing, setPreviewing] = useState(false);
  async function showPreview() {
    setPreviewing(true);
    const result = await previewTemplateAction({ org, type, template: current });
    setPreviewing(false);
    if (!result.ok) setPreview({ messages: [], problems: [result.formError ?? "The preview could not be made"] });
    else setPreview({ messages: result.data.messages, problems: Object.entries(result.data.errors).map(([field, [message]]) => `${field}: ${message}`) });
  }
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
      <div className="flex items-center gap-2">
        <Button size="sm" variant="secondary" pending={previewing} onClick={showPreview} disabled={!current.title && !current.body}>
          Preview
        </Button>
        <span className="text-xs text-slate-600">on a digest of two sample events</span>
      </div>
      {preview && (
        <div className="space-y-2" data-testid="template-preview" aria-live="polite">
          {preview.problems.map((p) => (
            <p key={p} className="text-xs text-red-700">
              {p}
            </p>
          ))}
          {preview.messages.map((m, i) => (
            <MessageView key={i} message={m} index={i} count={preview.messages.length} />
          ))}
        </div>
      )}
    </fieldset>
  );
}
