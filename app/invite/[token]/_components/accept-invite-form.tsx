"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { Button } from "@/components/ui/button";
import { FormMessage, TextField } from "@/components/ui/field";
import { useActionForm } from "@/components/use-action-form";
import { acceptInviteSchema } from "@/lib/validation/accounts";
import { acceptInviteAction } from "../actions";

export function AcceptInviteForm({ token, email }: { token: string; email: string }) {
  const router = useRouter();
  const { form, onSubmit, formError, errorOf, pending } = useActionForm(acceptInviteSchema, acceptInviteAction, {
    defaultValues: { token },
    onSuccess: async (data, values) => {
      await signIn("credentials", { email, password: values.password, redirect: false });
      router.replace(`/o/${data.org}/notifications`);
      router.refresh();
    },
  });
  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      <input type="hidden" {...form.register("token")} />
      <TextField
        label="Password"
        type="password"
        autoComplete="new-password"
        autoFocus
        hint="At least 12 characters."
        error={errorOf("password")}
        {...form.register("password")}
      />
      <TextField
        label="Confirm password"
        type="password"
        autoComplete="new-password"
        error={errorOf("confirmPassword")}
        {...form.register("confirmPassword")}
      />
      <FormMessage error={formError} />
      <Button type="submit" className="w-full" pending={pending}>
        Set password and sign in
      </Button>
    </form>
  );
}
