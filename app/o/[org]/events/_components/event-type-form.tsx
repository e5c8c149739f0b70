"use client";

import { useRouter } from "next/navigation";
import { SEVERITIES } from "@/db/schema/values";
import { Button } from "@/components/ui/button";
import { FormMessage, SelectField, TextField } from "@/components/ui/field";
import { useActionForm } from "@/components/use-action-form";
import { eventTypeSchema } from "@/lib/validation/events";
import { createEventTypeAction } from "../actions";

const EMPTY = { key: "", scope: "product" as const, title: "", description: "", defaultSeverity: "info" as const };

/** Adds a custom event type (`backup.failed`): producers can post it and rules can pick it at once. */
export function EventTypeForm({ org }: { org: string }) {
  const router = useRouter();
  const { form, onSubmit, formError, success, setSuccess, errorOf, pending } = useActionForm(eventTypeSchema, (v) => createEventTypeAction({ ...v, org }), {
    defaultValues: EMPTY,
    onSuccess: ({ key }) => {
      setSuccess(`Added ${key}.`);
      form.reset(EMPTY);
      router.refresh();
    },
  });
  return (
    <form onSubmit={onSubmit} className="space-y-3" noValidate aria-label="Add event type">
      <div className="grid gap-3 sm:grid-cols-[1fr_1fr_10rem_10rem]">
        <TextField label="Key" placeholder="backup.failed" error={errorOf("key")} {...form.register("key")} />
        <TextField label="Title" placeholder="Backup failed" error={errorOf("title")} {...form.register("title")} />
        <SelectField label="Scope" error={errorOf("scope")} {...form.register("scope")}>
          <option value="product">product</option>
          <option value="org">organization</option>
          <option value="any">either</option>
        </SelectField>
        <SelectField label="Default severity" error={errorOf("defaultSeverity")} {...form.register("defaultSeverity")}>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </SelectField>
      </div>
      <TextField label="Description" placeholder="optional" error={errorOf("description")} {...form.register("description")} />
      <div className="flex items-center justify-between gap-4">
        <FormMessage error={formError} success={success} />
        <Button type="submit" pending={pending} className="ml-auto">
          Add event type
        </Button>
      </div>
    </form>
  );
}
