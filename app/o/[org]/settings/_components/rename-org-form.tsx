"use client";

import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { FormMessage, TextField } from "@/components/ui/field";
import { useActionForm } from "@/components/use-action-form";
import { renameOrgSchema } from "@/lib/validation/accounts";
import { renameOrgAction } from "../actions";

export function RenameOrgForm({ org, name }: { org: string; name: string }) {
  const router = useRouter();
  const f = useActionForm(renameOrgSchema, (v) => renameOrgAction({ ...v, org }), {
    defaultValues: { name },
    onSuccess: () => {
      f.setSuccess("Saved.");
      router.refresh();
    },
  });
  return (
    <form onSubmit={f.onSubmit} className="space-y-3" noValidate>
      <div className="flex items-start gap-3">
        <div className="flex-1">
          <TextField label="Name" error={f.errorOf("name")} {...f.form.register("name")} />
        </div>
        <Button type="submit" className="mt-6" pending={f.pending}>
          Save
        </Button>
      </div>
      <FormMessage error={f.formError} success={f.success} />
    </form>
  );
}
