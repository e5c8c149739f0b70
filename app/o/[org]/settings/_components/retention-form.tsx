"use client";

import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { FormMessage, TextField } from "@/components/ui/field";
import { useActionForm } from "@/components/use-action-form";
import { unsavedMarker } from "@/components/unsaved-changes";
import { orgRetentionSchema } from "@/lib/validation/accounts";
import { setOrgRetentionAction } from "../actions";

/** Settings → Data retention: an owner's shorter retention for the org (empty: the instance's). */
export function RetentionForm({ org, retentionDays, instanceDays }: { org: string; retentionDays: number | null; instanceDays: number }) {
  const router = useRouter();
  const f = useActionForm(orgRetentionSchema, (v) => setOrgRetentionAction({ ...v, org }), {
    defaultValues: { retentionDays: (retentionDays ?? "") as unknown as number },
    onSuccess: () => {
      f.setSuccess("Saved.");
      router.refresh();
    },
  });
  return (
    <form onSubmit={f.onSubmit} className="space-y-3" noValidate aria-label="Data retention" {...unsavedMarker(f.form.formState.isDirty)}>
      <div className="flex items-start gap-3">
        <div className="w-64">
          <TextField
            label="Keep finished deliveries (days)"
            inputMode="numeric"
            placeholder={`${instanceDays} (this instance's)`}
            error={f.errorOf("retentionDays")}
            {...f.form.register("retentionDays")}
          />
        </div>
        <Button type="submit" className="mt-6" pending={f.pending}>
          Save
        </Button>
      </div>
      <FormMessage error={f.formError} success={f.success} />
    </form>
  );
}
