"use client";

import { Controller, type FieldValues, type UseFormReturn } from "react-hook-form";
import type { z } from "zod";
import { confirmDiscard, unsavedMarker } from "@/components/unsaved-changes";
import { SEVERITIES } from "@/db/schema/values";
import { Button } from "@/components/ui/button";
import { FormMessage, SelectField, TextField } from "@/components/ui/field";
import { useActionForm } from "@/components/use-action-form";
import type { ActionResult } from "@/lib/actions";
import type { RuleView } from "@/lib/rules/queries";
import { DEFAULT_DIGEST_MINUTES, DEFAULT_SEVERITIES, DIGEST_WINDOWS, ruleSchema } from "@/lib/validation/rules";
import { createRuleAction, updateRuleAction } from "../rule-actions";
import { CheckboxGroup } from "./checkbox-group";
import { SCOPE_GROUPS, type ChannelOption, type EventTypeOption, type ProductOption } from "./rules-types";

type RuleValues = z.input<typeof ruleSchema>;

function defaultsOf(rule?: RuleView): RuleValues {
  if (!rule) {
    return {
      name: "",
      products: [],
      eventTypes: [],
      // CIPP: only Alert is checked until the owner picks more.
      severities: [...DEFAULT_SEVERITIES],
      channels: [],
      mode: "immediate",
      digestMinutes: DEFAULT_DIGEST_MINUTES,
      splitByProduct: false,
      enabled: true,
    };
  }
  return {
    name: rule.name,
    products: rule.products,
    eventTypes: rule.eventTypes,
    severities: rule.severities,
    channels: rule.channels,
    mode: rule.mode,
    digestMinutes: rule.digestMinutes ?? DEFAULT_DIGEST_MINUTES,
    splitByProduct: rule.splitByProduct,
    enabled: rule.enabled,
  };
}

/** The CIPP-style rule form: events (grouped, or all), severities, products, channels, delivery options. */
export function RuleForm({
  org,
  rule,
  channels,
  eventTypes,
  products,
  onDone,
}: {
  org: string;
  rule?: RuleView;
  channels: ChannelOption[];
  eventTypes: EventTypeOption[];
  products: ProductOption[];
  onDone: () => void;
}) {
  const action = async (values: RuleValues): Promise<ActionResult<unknown>> =>
    rule ? await updateRuleAction({ ...values, org, id: rule.id }) : await createRuleAction({ ...values, org });
  const { form, onSubmit, formError, errorOf, pending } = useActionForm(ruleSchema, action, {
    defaultValues: defaultsOf(rule),
    onSuccess: onDone,
  });
  const f = form as unknown as UseFormReturn<FieldValues>;
  const mode = f.watch("mode");
  /** The message for a list field, or for its first item the server named (`channels.0`). */
  const listError = (name: string) => errorOf(name) ?? Array.from({ length: 200 }, (_, i) => errorOf(`${name}.${i}`)).find(Boolean);

  return (
    <form onSubmit={onSubmit} className="space-y-5" noValidate aria-label={rule ? "Edit rule" : "Add rule"} {...unsavedMarker(f.formState.isDirty)}>
      <TextField label="Rule name" placeholder="Production alerts" error={errorOf("name")} {...f.register("name")} />

      <Controller
        control={f.control}
        name="eventTypes"
        render={({ field }) => {
          const all = field.value === "all";
          const picked: string[] = all ? [] : (field.value ?? []);
          return (
            <div className="space-y-2">
              <p className="text-sm font-medium text-slate-700">Choose which events you would like to receive alerts from</p>
              <label className="flex items-center gap-2 text-sm">
                <input type="checkbox" className="size-4" checked={all} onChange={(e) => field.onChange(e.target.checked ? "all" : [])} />
                All events (including types added later)
              </label>
              <div className="grid gap-4 sm:grid-cols-2">
                {SCOPE_GROUPS.map((group) => {
                  const options = eventTypes.filter((t) => t.scope === group.scope);
                  if (!options.length) return null;
                  return (
                    <CheckboxGroup
                      key={group.scope}
                      legend={group.title}
                      disabled={all}
                      options={options.map((t) => ({ value: t.key, label: t.title, hint: <code>{t.key}</code> }))}
                      value={all ? options.map((t) => t.key) : picked.filter((k) => options.some((t) => t.key === k))}
                      onChange={(next) => field.onChange([...picked.filter((k) => !options.some((t) => t.key === k)), ...next])}
                    />
                  );
                })}
              </div>
              {listError("eventTypes") && (
                <p className="text-xs text-red-600" aria-live="polite">
                  Events: {listError("eventTypes")}
                </p>
              )}
            </div>
          );
        }}
      />

      <Controller
        control={f.control}
        name="severities"
        render={({ field }) => (
          <CheckboxGroup
            legend="Severities"
            hint="Only events of the checked severities are sent."
            columns={6}
            options={SEVERITIES.map((s) => ({ value: s, label: s }))}
            value={field.value ?? []}
            onChange={field.onChange}
            error={listError("severities")}
          />
        )}
      />

      {products.length > 0 && (
        <Controller
          control={f.control}
          name="products"
          render={({ field }) => (
            <CheckboxGroup
              legend="Only these products"
              hint="None checked: every product, and the organization's own events."
              columns={3}
              options={products.map((p) => ({ value: p.slug, label: p.name }))}
              value={field.value ?? []}
              onChange={field.onChange}
              error={listError("products")}
            />
          )}
        />
      )}

      <Controller
        control={f.control}
        name="channels"
        render={({ field }) => (
          <CheckboxGroup
            legend="Send to channels"
            hint={channels.length ? "A channel reached by several rules gets each event once." : "Add a channel above first."}
            columns={2}
            options={channels.map((c) => ({ value: c.id, label: `${c.name} (${c.type})`, hint: c.enabled ? undefined : "disabled" }))}
            value={field.value ?? []}
            onChange={field.onChange}
            error={listError("channels")}
          />
        )}
      />

      <fieldset className="space-y-2">
        <legend className="mb-1 text-sm font-medium text-slate-700">Delivery</legend>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" value="immediate" className="size-4" {...f.register("mode")} />
          Immediately: one message per event
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" value="digest" className="size-4" {...f.register("mode")} />
          Digest: one message per time window
        </label>
        {mode === "digest" && (
          <div className="max-w-48 pl-6">
            <SelectField label="Digest window" error={errorOf("digestMinutes")} {...f.register("digestMinutes")}>
              {DIGEST_WINDOWS.map((m) => (
                <option key={m} value={m}>
                  {m} minute{m === 1 ? "" : "s"}
                </option>
              ))}
            </SelectField>
          </div>
        )}
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" className="size-4" {...f.register("splitByProduct")} />
          One message per product
        </label>
      </fieldset>

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
          {rule ? "Save rule" : "Add rule"}
        </Button>
      </div>
    </form>
  );
}
