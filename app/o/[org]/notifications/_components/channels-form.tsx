"use client";

import { Controller, type FieldValues, type UseFormReturn } from "react-hook-form";
import { Button } from "@/components/ui/button";
import { FormMessage, SelectField, TextAreaField, TextField } from "@/components/ui/field";
import { SecretInput } from "@/components/ui/secret-input";
import { unsavedMarker } from "@/components/unsaved-changes";
import { useActionForm } from "@/components/use-action-form";
import { createChannelSchema, MAX_RECIPIENTS, patchChannelSchema } from "@/lib/validation/channels";
import { createChannelAction, updateChannelAction } from "../channel-actions";
import { WebhookFields } from "./channels-webhook-fields";
import { TYPE_LABELS, URL_PLACEHOLDERS, type ChannelView } from "./channels-types";

export const SMTP_MISSING_SENTENCE =
  "E-mail is unavailable: the operator must set SMTP_URL (and SMTP_FROM) in Herald's environment and restart it.";

function defaultsOf(channel?: ChannelView) {
  if (!channel) {
    return { type: "webhook", name: "", enabled: true, recipients: "", url: "", format: "array", auth: { method: "none" } };
  }
  const base = { type: channel.type, name: channel.name, enabled: channel.enabled };
  if (channel.type === "email") return { ...base, recipients: (channel.recipients ?? []).join(", ") };
  if (channel.type === "webhook") {
    const auth = channel.auth!;
    return { ...base, url: channel.url as string, format: channel.format, auth: { method: auth.method, username: auth.username, headerName: auth.headerName } };
  }
  // Secrets start as "keep" (undefined): the browser never has them.
  return base;
}

/** Add or edit one channel: type, name, and the fields of that type. */
export function ChannelForm({
  org,
  channel,
  smtpConfigured,
  onDone,
}: {
  org: string;
  channel?: ChannelView;
  smtpConfigured: boolean;
  onDone: () => void;
}) {
  const editing = Boolean(channel);
  const action = (values: Record<string, unknown>) =>
    editing ? updateChannelAction({ ...values, org, id: channel!.id } as never) : createChannelAction({ ...values, org } as never);
  const { form, onSubmit, formError, errorOf, pending } = useActionForm(
    (editing ? patchChannelSchema : createChannelSchema) as never,
    action as never,
    { defaultValues: defaultsOf(channel) as never, onSuccess: onDone },
  );
  const f = form as unknown as UseFormReturn<FieldValues>;
  const type = f.watch("type") as ChannelView["type"];

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate aria-label={editing ? "Edit channel" : "Add channel"} {...unsavedMarker(f.formState.isDirty)}>
      <div className="grid grid-cols-2 gap-3">
        <SelectField
          label="Type"
          disabled={editing}
          error={errorOf("type")}
          hint={!smtpConfigured && !editing ? SMTP_MISSING_SENTENCE : undefined}
          {...f.register("type")}
        >
          {(Object.keys(TYPE_LABELS) as ChannelView["type"][]).map((t) => (
            <option key={t} value={t} disabled={t === "email" && !smtpConfigured && !editing}>
              {TYPE_LABELS[t]}
              {t === "email" && !smtpConfigured ? " (needs SMTP)" : ""}
            </option>
          ))}
        </SelectField>
        <TextField label="Name" placeholder="ops-alerts" error={errorOf("name")} {...f.register("name")} />
      </div>

      {type === "email" && (
        <TextAreaField
          label="Recipients"
          rows={2}
          placeholder="ops@example.com, oncall@example.com, @owners"
          hint={`Comma-separated, at most ${MAX_RECIPIENTS}. Groups resolved when sending: @owners, @admins, @product-admins.`}
          error={errorOf("recipients")}
          {...f.register("recipients")}
        />
      )}

      {(type === "slack" || type === "teams" || type === "discord") && (
        <Controller
          control={f.control}
          name="url"
          render={({ field }) => (
            <SecretInput
              label="Webhook URL"
              type="text"
              configured={Boolean(channel && channel.url && typeof channel.url === "object")}
              hint={channel && typeof channel.url === "object" ? channel.url?.hint : undefined}
              value={field.value}
              onChange={field.onChange}
              placeholder={URL_PLACEHOLDERS[type]}
              help={type === "teams" ? "A Workflows webhook: Teams channel ⋯ → Workflows → “Post to a channel when a webhook request is received”." : "The URL embeds a credential: it is stored encrypted and never shown again."}
              error={errorOf("url")}
            />
          )}
        />
      )}

      {type === "webhook" && <WebhookFields org={org} form={f} channel={channel} errorOf={errorOf} />}

      {type === "inbox" && <p className="text-sm text-slate-600">Events appear in the console for the organization&apos;s members. Nothing leaves Herald.</p>}

      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" className="size-4" {...f.register("enabled")} />
        Enabled
      </label>

      <FormMessage error={formError} />
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={onDone} disabled={pending}>
          Cancel
        </Button>
        <Button type="submit" pending={pending}>
          {editing ? "Save channel" : "Add channel"}
        </Button>
      </div>
    </form>
  );
}
