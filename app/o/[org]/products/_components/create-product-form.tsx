"use client";

import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { FormMessage, TextField } from "@/components/ui/field";
import { useActionForm } from "@/components/use-action-form";
import { productSchema } from "@/lib/validation/accounts";
import { createProductAction } from "../actions";

export function CreateProductForm({ org }: { org: string }) {
  const router = useRouter();
  const { form, onSubmit, formError, errorOf, pending } = useActionForm(productSchema, (v) => createProductAction({ ...v, org, slug: v.slug || undefined }), {
    defaultValues: { name: "", slug: "" },
    onSuccess: ({ slug }) => router.push(`/o/${org}/products/${slug}`),
  });
  return (
    <form onSubmit={onSubmit} className="space-y-3" noValidate>
      <div className="grid items-start gap-3 sm:grid-cols-[1fr_1fr_auto]">
        <TextField label="Name" error={errorOf("name")} {...form.register("name")} />
        <TextField
          label="Slug"
          placeholder="derived from the name"
          hint="Lowercase letters, digits and dashes; used in URLs and the API."
          error={errorOf("slug")}
          {...form.register("slug", { setValueAs: (v: string) => (v === "" ? undefined : v) })}
        />
        <Button type="submit" className="justify-self-start sm:mt-6" pending={pending}>
          Create product
        </Button>
      </div>
      <FormMessage error={formError} />
    </form>
  );
}
