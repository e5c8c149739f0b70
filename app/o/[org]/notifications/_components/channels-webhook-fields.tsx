"use client";

import { webhook } from "@/lib/channels/webhook";
import { useState } from "react";
import { Controller, type FieldValues, type UseFormReturn } from "react-hook-form";
import { Button } from "@/components/ui/button";
import { ConfirmButton } from "@/components/ui/confirm-button";
import { SelectField, TextField } from "@/components/ui/field";
import { SecretInput } from "@/components/ui/secret-input";
import type { AuthMethod } from "@/lib/channels/webhook";
import { revealSigningSecretAction, rotateSigningSecretAction } from "../channel-actions";
import type { ChannelView } from "./channels-types";

const METHOD_LABELS: Record<AuthMethod, string> = {
  none: "None",
  bearer: "Bearer token",
  basic: "Basic (username + password)",
  apikey: "API-key header",
  headers: "Custom headers",
};

const FORMAT_LABELS = {
  array: "JSON array of events (default)",
  envelope: "Standardized Alert Schema 1.0 envelope",
  event: "One POST per event",
  scalingo: "Scalingo's deployment notification, one POST per event",
  template: "Your own JSON (a message template)",
};

type SecretField = "token" | "password" | "headerValue" | "headers";

/** URL, format, authentication and signing secret of a webhook channel. */
export function WebhookFields({
  org,
  form,
  channel,
  errorOf,
}: {
  org: string;
  form: UseFormReturn<FieldValues>;
  channel?: ChannelView;
  errorOf: (name: string) => string | undefined;
}) {
  const url = String(form.watch("url") ?? "");
  const method = (form.watch("auth.method") ?? "none") as AuthMethod;
  const stored = channel?.auth;
  // A secret counts as configured only for the method it was saved with: switching clears it.
  const storedSecret = (field: SecretField) => (stored && stored.method === method ? stored[field] : null) ?? null;

  const secret = (field: SecretField, label: string, extra: Partial<Parameters<typeof SecretInput>[0]> = {}) => (
    <Controller
      key={`${method}-${field}`}
      control={form.control}
      name={`auth.${field}`}
      render={({ field: f }) => (
        <SecretInput
          label={label}
          configured={Boolean(storedSecret(field))}
          hint={storedSecret(field)?.hint}
          value={f.value}
          onChange={f.onChange}
          error={errorOf(`auth.${field}`)}
          {...extra}
        />
      )}
    />
  );

  return (
    <div className="space-y-4">
      {channel && typeof channel.url === "object" && channel.url ? (
        <Controller
          control={form.control}
          name="url"
          render={({ field }) => (
            <SecretInput
              label="URL"
              type="text"
              configured
              hint={channel.url && typeof channel.url === "object" ? channel.url.hint : undefined}
              value={field.value}
              onChange={field.onChange}
              placeholder={webhook.url!.placeholder}
              help="This URL carries a credential (a token in its path or query): it is stored encrypted and never shown again."
              error={errorOf("url")}
            />
          )}
        />
      ) : (
        <TextField label="URL" placeholder={webhook.url!.placeholder} error={errorOf("url")} {...form.register("url")} />
      )}
      {url.startsWith("http://") && !errorOf("url") && (
        <p className="-mt-3 text-xs font-medium text-amber-700" role="note">
          Warning: http:// is not encrypted — events, credentials and signatures can be read on the way. Prefer https://.
        </p>
      )}
      <div className="grid grid-cols-2 gap-3">
        <SelectField label="Format" error={errorOf("format")} {...form.register("format")}>
          {Object.entries(FORMAT_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Authentication"
          error={errorOf("auth.method")}
          hint={
            stored && stored.method !== method && stored.method !== "none"
              ? `Saving drops the ${METHOD_LABELS[stored.method].toLowerCase()} credentials.`
              : undefined
          }
          {...form.register("auth.method")}
        >
          {Object.entries(METHOD_LABELS).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </SelectField>
      </div>

      {method === "bearer" && secret("token", "Bearer token")}
      {method === "basic" && (
        <div className="grid grid-cols-2 gap-3">
          <TextField label="Username" autoComplete="off" error={errorOf("auth.username")} {...form.register("auth.username")} />
          {secret("password", "Password")}
        </div>
      )}
      {method === "apikey" && (
        <div className="grid grid-cols-2 gap-3">
          <TextField label="Header name" placeholder="X-Api-Key" autoComplete="off" error={errorOf("auth.headerName")} {...form.register("auth.headerName")} />
          {secret("headerValue", "Header value")}
        </div>
      )}
      {method === "headers" &&
        secret("headers", "Custom headers (JSON)", {
          multiline: true,
          type: "text",
          placeholder: '{"X-Team": "ops", "X-Env": "prod"}',
          help: "A JSON object of header names to string values. Host, Content-Length, Transfer-Encoding, Connection and webhook-* are set by Herald.",
        })}

      {channel && <SigningSecret org={org} channel={channel} />}
      {!channel && (
        <p className="text-xs text-slate-500">Herald signs every POST (Standard Webhooks); a signing secret is generated when you add the channel.</p>
      )}
    </div>
  );
}

/** The Standard Webhooks secret: revealing it is audited; rotating replaces it at once. */
function SigningSecret({ org, channel }: { org: string; channel: ChannelView }) {
  const [revealed, setRevealed] = useState<string>();
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);
  async function run(action: typeof revealSigningSecretAction) {
    setPending(true);
    setError(undefined);
    const result = await action({ org, id: channel.id });
    setPending(false);
    if (result.ok) setRevealed(result.data.signingSecret);
    else setError(result.formError);
  }
  return (
    <div className="space-y-2 rounded-md border border-slate-200 px-3 py-2 text-sm">
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium text-slate-700">Signing secret</span>
        <code className="font-mono text-xs text-slate-500">{channel.signingSecret?.hint ?? "not set"}</code>
        <span className="ml-auto flex gap-2">
          <Button size="sm" variant="secondary" pending={pending} onClick={() => run(revealSigningSecretAction)}>
            Reveal
          </Button>
          <ConfirmButton
            size="sm"
            variant="ghost"
            title="Rotate the signing secret?"
            description={
              <p>The old secret stops working at once: every receiver that checks signatures must be given the new one, shown here after rotating.</p>
            }
            confirmLabel="Rotate"
            onConfirm={() => run(rotateSigningSecretAction)}
          >
            Rotate
          </ConfirmButton>
        </span>
      </div>
      {revealed && (
        <code data-testid="signing-secret" className="block break-all rounded bg-slate-50 p-2 font-mono text-xs">
          {revealed}
        </code>
      )}
      {error && <p className="text-xs text-red-600">{error}</p>}
    </div>
  );
}
