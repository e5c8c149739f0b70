"use client";

import { CHANNEL_DEFINITIONS, definitionOf } from "@/lib/channels/definitions";
import { Controller, type DefaultValues, type FieldValues, type UseFormReturn } from "react-hook-form";
import type { z } from "zod";
import { Button } from "@/components/ui/button";
import { FormMessage, SelectField, TextAreaField, TextField } from "@/components/ui/field";
import { SecretInput } from "@/components/ui/secret-input";
import { confirmDiscard, unsavedMarker } from "@/components/unsaved-changes";
import { useActionForm } from "@/components/use-action-form";
import type { ActionResult } from "@/lib/actions";
import type { QuietHours } from "@/db/schema/values";
import { createChannelSchema, patchChannelSchema } from "@/lib/validation/channels";
import { MAX_RECIPIENTS } from "@/lib/channels/email";
import { type FloodLimit, type MessageTemplate } from "@/lib/validation/channel-fields";
import { createChannelAction, updateChannelAction } from "../channel-actions";
import { FloodField } from "./channels-flood-field";
import { QuietHoursField } from "./channels-quiet-hours-field";
import { TemplateField } from "./channels-template-field";
import { WebhookFields } from "./channels-webhook-fields";
import type { ChannelView, OrgMember } from "./channels-types";

export const SMTP_MISSING_SENTENCE = "E-mail is unavailable: the operator must set SMTP_URL (and SMTP_FROM) in Herald's environment and restart it.";

type ChannelValues = z.input<typeof createChannelSchema> | z.input<typeof patchChannelSchema>;

function defaultsOf(channel?: ChannelView): DefaultValues<ChannelValues> {
  if (!channel) {
    return { type: "webhook", name: "", enabled: true, recipients: "", url: "", format: "array", auth: { method: "none" } };
  }
  const base = {
    type: channel.type,
    name: channel.name,
    enabled: channel.enabled,
    flood: channel.flood,
    quietHours: channel.quietHours,
    template: channel.template ?? null,
  };
  const { form } = definitionOf(channel.type);
  if (form === "recipients") return { ...base, recipients: (channel.recipients ?? []).join(", ") };
  if (form === "members") return { ...base, members: channel.members ?? [] };
  if (form === "webhook") {
    const auth = channel.auth!;
    // A URL that carries a credential comes back as a hint only: it starts as "keep", like any secret.
    const url = typeof channel.url === "string" ? channel.url : undefined;
    return { ...base, url, format: channel.format, auth: { method: auth.method, username: auth.username, headerName: auth.headerName } };
  }
  // Secrets start as "keep" (undefined): the browser never has them.
  return base;
}

/** Add or edit one channel: type, name, and the fields of that type. */
export function ChannelForm({
  org,
  channel,
  smtpConfigured,
  members,
  onDone,
}: {
  org: string;
  channel?: ChannelView;
  smtpConfigured: boolean;
  /** The org's members, for limiting an inbox channel to some of them. */
  members: OrgMember[];
  onDone: () => void;
}) {
  const editing = Boolean(channel);
  const action = async (values: ChannelValues): Promise<ActionResult<unknown>> =>
    channel
      ? await updateChannelAction({ ...values, org, id: channel.id })
      : // Without a channel the form is checked by createChannelSchema.
        await createChannelAction({ ...(values as z.input<typeof createChannelSchema>), org });
  const { form, onSubmit, formError, errorOf, pending } = useActionForm(editing ? patchChannelSchema : createChannelSchema, action, {
    defaultValues: defaultsOf(channel),
    onSuccess: onDone,
  });
  const f = form as unknown as UseFormReturn<FieldValues>;
  const type = f.watch("type") as ChannelView["type"];
  const format = f.watch("format") as string | undefined;
  const definition = definitionOf(type);

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate aria-label={editing ? "Edit channel" : "Add channel"} {...unsavedMarker(f.formState.isDirty)}>
      <div className="grid grid-cols-2 gap-3">
        <SelectField
          label="Type"
          disabled={editing}
          error={errorOf("type")}
          // Only under e-mail (an existing e-mail channel cannot send): the panel above already says it once for the org.
          hint={!smtpConfigured && type === "email" ? SMTP_MISSING_SENTENCE : undefined}
          {...f.register("type")}
        >
          {Object.values(CHANNEL_DEFINITIONS).map(({ type: t, label }) => (
            <option key={t} value={t} disabled={t === "email" && !smtpConfigured && !editing}>
              {label}
              {t === "email" && !smtpConfigured ? " (needs SMTP)" : ""}
            </option>
          ))}
        </SelectField>
        <TextField label="Name" placeholder="ops-alerts" error={errorOf("name")} {...f.register("name")} />
      </div>

      {definition.form === "recipients" && (
        <TextAreaField
          label="Recipients"
          rows={2}
          placeholder="ops@example.com, oncall@example.com, @owners"
          hint={`Comma-separated, at most ${MAX_RECIPIENTS}. Groups resolved when sending: @owners, @admins, @product-admins.`}
          error={errorOf("recipients")}
          {...f.register("recipients")}
        />
      )}

      {definition.form === "url" && (
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
              placeholder={definition.url?.placeholder}
              help={definition.url?.help}
              error={errorOf("url")}
            />
          )}
        />
      )}

      {definition.form === "webhook" && <WebhookFields org={org} form={f} channel={channel} errorOf={errorOf} />}

      {definition.form === "members" && (
        <Controller
          control={f.control}
          name="members"
          render={({ field }) => (
            <InboxMembersField
              members={members}
              value={(field.value as string[] | undefined) ?? []}
              onChange={field.onChange}
              error={errorOf("members") ?? firstItemError(f.formState.errors.members)}
            />
          )}
        />
      )}

      {definition.templates && (definition.form !== "webhook" || format === "template") && (
        <Controller
          control={f.control}
          name="template"
          render={({ field }) => (
            <TemplateField org={org} type={type} value={field.value as MessageTemplate | null | undefined} onChange={field.onChange} errorOf={errorOf} />
          )}
        />
      )}

      <Controller
        control={f.control}
        name="flood"
        render={({ field }) => (
          <FloodField key={type} type={type} value={field.value as FloodLimit | null | undefined} onChange={field.onChange} errorOf={errorOf} />
        )}
      />
      <Controller
        control={f.control}
        name="quietHours"
        render={({ field }) => <QuietHoursField value={field.value as QuietHours | null | undefined} onChange={field.onChange} errorOf={errorOf} />}
      />

      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" className="size-4" {...f.register("enabled")} />
        Enabled
      </label>

      <FormMessage error={formError} />
      <div className="flex justify-end gap-2">
        <Button variant="secondary" onClick={(e) => confirmDiscard(e.currentTarget.form) && onDone()} disabled={pending}>
          Cancel
        </Button>
        <Button type="submit" pending={pending}>
          {editing ? "Save channel" : "Add channel"}
        </Button>
      </div>
    </form>
  );
}

/** The first message among a list field's per-item errors (`members.2`). */
function firstItemError(errors: unknown): string | undefined {
  if (!errors || typeof errors !== "object") return undefined;
  return Object.values(errors as Record<string, { message?: string } | undefined>).find((e) => e?.message)?.message;
}

/**
 * Who sees an inbox channel: every member (nothing checked) or the members
 * checked. Someone named who has since left the org stays listed, marked, so
 * they can be unchecked.
 */
function InboxMembersField({ members, value, onChange, error }: { members: OrgMember[]; value: string[]; onChange: (next: string[]) => void; error?: string }) {
  const known = new Set(members.map((m) => m.email));
  const rows = [...members, ...value.filter((email) => !known.has(email)).map((email) => ({ email, name: null, left: true }))];
  const toggle = (email: string, on: boolean) => onChange(on ? [...value, email] : value.filter((e) => e !== email));
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium text-slate-700">Who sees these notifications</legend>
      <p className="text-xs text-slate-500">
        Events appear under the bell in the console. Nothing leaves Herald.{" "}
        {value.length === 0
          ? "Nothing checked: every member of the organization sees them."
          : value.length === 1
            ? "Only the checked member sees them."
            : `Only the ${value.length} checked members see them.`}
      </p>
      <ul className="max-h-48 space-y-1 overflow-y-auto rounded border border-slate-200 p-2">
        {rows.map((m) => (
          <li key={m.email}>
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" className="size-4" checked={value.includes(m.email)} onChange={(e) => toggle(m.email, e.target.checked)} />
              <span>{m.name ? `${m.name} <${m.email}>` : m.email}</span>
              {"left" in m && <span className="text-xs text-amber-700">(no longer a member)</span>}
            </label>
          </li>
        ))}
      </ul>
      {error && (
        <p className="text-xs text-red-600" aria-live="polite">
          {error}
        </p>
      )}
    </fieldset>
  );
}
