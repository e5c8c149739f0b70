"use client";

import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { FormMessage, TextField } from "@/components/ui/field";
import { useActionForm } from "@/components/use-action-form";
import { renameOrgSchema } from "@/lib/validation/accounts";
import { createOrgAction } from "../actions";

export function NewOrgForm() {
  const router = useRouter();
  const f = useActionForm(renameOrgSchema, createOrgAction, {
    onSuccess: ({ slug }) => router.push(`/o/${slug}/notifications`),
  });
  return (
    <form onSubmit={f.onSubmit} className="space-y-4" noValidate>
      <TextField label="Organization name" autoFocus error={f.errorOf("name")} {...f.form.register("name")} />
      <FormMessage error={f.formError} />
      <Button type="submit" className="w-full" pending={f.pending}>
        Create organization
      </Button>
    </form>
  );
}
