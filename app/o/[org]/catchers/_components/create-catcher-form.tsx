"use client";

import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { FormMessage, TextField } from "@/components/ui/field";
import { useActionForm } from "@/components/use-action-form";
import { createCatcherSchema } from "@/lib/validation/catchers";
import { createCatcherAction } from "../actions";

export function CreateCatcherForm({ org }: { org: string }) {
  const router = useRouter();
  const create = useActionForm(createCatcherSchema, (v) => createCatcherAction({ ...v, org }), {
    defaultValues: { name: "My first catcher", createChannel: true },
    onSuccess: ({ id }) => router.push(`/o/${org}/catchers/${id}`),
  });
  return (
    <form onSubmit={create.onSubmit} className="space-y-3" noValidate>
      <div className="grid grid-cols-[1fr_auto] items-start gap-3">
        <TextField label="Name" error={create.errorOf("name")} {...create.form.register("name")} />
        <Button type="submit" className="mt-6" pending={create.pending}>
          Create catcher
        </Button>
      </div>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" {...create.form.register("createChannel")} />
        Also create a webhook channel pointing at it (signed with its own secret), to send it a test at once
      </label>
      <FormMessage error={create.formError} />
    </form>
  );
}
