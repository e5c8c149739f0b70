"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { FormMessage, TextField } from "@/components/ui/field";
import { useActionForm } from "@/components/use-action-form";
import { setupSchema } from "@/lib/validation/accounts";
import { setupAction } from "../actions";

export function SetupForm() {
  const router = useRouter();
  const { form, onSubmit, formError, errorOf, pending } = useActionForm(setupSchema, setupAction, {
    onSuccess: async ({ orgSlug }, values) => {
      await signIn("credentials", { email: values.email, password: values.password, redirect: false });
      router.replace(`/o/${orgSlug}/notifications`);
      router.refresh();
    },
  });
  const { register } = form;
  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      <TextField label="Organization name" autoFocus error={errorOf("orgName")} {...register("orgName")} />
      <TextField label="Owner e-mail" type="email" autoComplete="username" error={errorOf("email")} {...register("email")} />
      <TextField
        label="Password"
        type="password"
        autoComplete="new-password"
        hint="At least 12 characters."
        error={errorOf("password")}
        {...register("password")}
      />
      <TextField label="Confirm password" type="password" autoComplete="new-password" error={errorOf("confirmPassword")} {...register("confirmPassword")} />
      <FormMessage error={formError} />
      <Button type="submit" className="w-full" pending={pending}>
        Create organization
      </Button>
    </form>
  );
}
