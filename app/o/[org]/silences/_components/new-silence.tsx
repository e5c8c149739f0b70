"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { Controller } from "react-hook-form";
import { SEVERITIES } from "@/db/schema/values";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { FormMessage, SelectField, TextField } from "@/components/ui/field";
import { unsavedMarker } from "@/components/unsaved-changes";
import { useActionForm } from "@/components/use-action-form";
import { SILENCE_DURATIONS, silenceFieldsSchema } from "@/lib/validation/silences";
import { CheckboxGroup } from "../../notifications/_components/checkbox-group";
import { createSilenceAction } from "../actions";

type Option = { value: string; label: string };

const DURATION_LABELS: Record<(typeof SILENCE_DURATIONS)[number], string> = {
  "1h": "1 hour",
  "4h": "4 hours",
  "1d": "1 day",
  "7d": "7 days",
  "14d": "14 days",
  "30d": "30 days",
  "90d": "90 days",
};

/**
 * "New silence": what to keep quiet (every list left empty matches anything, but at
 * least one matcher is needed), for how long, and why. A product admin picks among
 * their products only, and must pick one.
 */
export function NewSilence({
  org,
  eventTypes,
  products,
  channels,
  productRequired,
}: {
  org: string;
  eventTypes: Option[];
  products: Option[];
  channels: Option[];
  productRequired: boolean;
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const create = useActionForm(silenceFieldsSchema, (v) => createSilenceAction({ ...v, org }), {
    defaultValues: { eventTypes: [], products: [], severities: [], channels: [], title: null, data: [], reason: "", duration: "4h" },
    onSuccess: () => {
      setOpen(false);
      create.form.reset();
      router.refresh();
    },
  });
  const { form, errorOf } = create;
  const dataKey = form.watch("data")?.[0]?.key ?? "";
  const dataValue = form.watch("data")?.[0]?.value ?? "";
  const setData = (key: string, value: string) => form.setValue("data", key || value ? [{ key, value }] : [], { shouldDirty: true });
  return (
    <>
      <Button onClick={() => setOpen(true)} aria-haspopup="dialog" className="whitespace-nowrap">
        New silence
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title="New silence" wide>
        <form onSubmit={create.onSubmit} className="space-y-4" noValidate {...unsavedMarker(form.formState.isDirty)}>
          <p className="text-sm text-slate-600">
            Events matching every part you fill in are still stored, marked silenced, but not sent to the channels below (all of them if you pick none). Leave a
            part empty to match anything.
          </p>
          <div className="grid gap-4 sm:grid-cols-2">
            <Controller
              control={form.control}
              name="eventTypes"
              render={({ field }) => (
                <CheckboxGroup legend="Event types" options={eventTypes} value={field.value ?? []} onChange={field.onChange} error={errorOf("eventTypes")} />
              )}
            />
            <div className="space-y-4">
              <Controller
                control={form.control}
                name="products"
                render={({ field }) => (
                  <CheckboxGroup
                    legend={productRequired ? "Products (yours: pick at least one)" : "Products"}
                    options={products}
                    value={field.value ?? []}
                    onChange={field.onChange}
                    error={errorOf("products")}
                  />
                )}
              />
              <Controller
                control={form.control}
                name="severities"
                render={({ field }) => (
                  <CheckboxGroup
                    legend="Severities"
                    options={SEVERITIES.map((s) => ({ value: s, label: s }))}
                    value={field.value ?? []}
                    onChange={field.onChange}
                    columns={3}
                    error={errorOf("severities")}
                  />
                )}
              />
              <Controller
                control={form.control}
                name="channels"
                render={({ field }) => (
                  <CheckboxGroup
                    legend="Channels kept quiet (none picked: all)"
                    options={channels}
                    value={field.value ?? []}
                    onChange={field.onChange}
                    error={errorOf("channels")}
                  />
                )}
              />
            </div>
          </div>
          <TextField
            label="Title (exact, optional)"
            hint="Only events with exactly this title: one recurring alert."
            error={errorOf("title")}
            value={form.watch("title") ?? ""}
            onChange={(e) => form.setValue("title", e.target.value ? e.target.value : null, { shouldDirty: true })}
          />
          <div className="grid gap-3 sm:grid-cols-2">
            <TextField
              label="Data field (optional)"
              placeholder="host"
              value={dataKey}
              onChange={(e) => setData(e.target.value, dataValue)}
              error={errorOf("data.0.key")}
            />
            <TextField
              label="equals"
              placeholder="web-3"
              value={dataValue}
              onChange={(e) => setData(dataKey, e.target.value)}
              error={errorOf("data.0.value")}
            />
          </div>
          <div className="grid gap-3 sm:grid-cols-[12rem_1fr]">
            <SelectField label="For" error={errorOf("duration")} {...form.register("duration")}>
              {SILENCE_DURATIONS.map((d) => (
                <option key={d} value={d}>
                  {DURATION_LABELS[d]}
                </option>
              ))}
            </SelectField>
            <TextField
              label="Reason"
              placeholder="Planned migration of the shop's cluster"
              error={errorOf("reason") ?? errorOf("endsAt")}
              {...form.register("reason")}
            />
          </div>
          <FormMessage error={create.formError} />
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button type="submit" pending={create.pending}>
              Silence
            </Button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
