"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useForm } from "react-hook-form";
import { useState } from "react";
import type { z } from "zod";
import { formResolver } from "@/components/form-resolver";
import { Button } from "@/components/ui/button";
import { FormMessage, TextField } from "@/components/ui/field";
import { sameOriginPath } from "@/lib/auth/redirect";
import { signInSchema } from "@/lib/validation/accounts";

export function LoginForm({ next }: { next: string }) {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const { register, handleSubmit, formState } = useForm<z.input<typeof signInSchema>>({ resolver: formResolver(signInSchema) });
  const onSubmit = handleSubmit(async (values) => {
    setError(undefined);
    const result = await signIn("credentials", { ...values, redirect: false });
    if (!result || result.error) {
      // One message for every failure: unknown e-mail, wrong password or throttled.
      setError("Sign-in failed: check the e-mail and password, or wait a moment and try again.");
      return;
    }
    // Checked again here, against the origin the browser is on: `next` came from the address bar.
    router.replace(sameOriginPath(next, window.location.origin));
    router.refresh();
  });
  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      <TextField label="E-mail" type="email" autoComplete="username" autoFocus error={formState.errors.email?.message} {...register("email")} />
      <TextField label="Password" type="password" autoComplete="current-password" error={formState.errors.password?.message} {...register("password")} />
      <FormMessage error={error} />
      <Button type="submit" className="w-full" pending={formState.isSubmitting}>
        Sign in
      </Button>
    </form>
  );
}
