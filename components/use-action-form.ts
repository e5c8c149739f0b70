"use client";

import { useState } from "react";
import { useForm, type DefaultValues, type FieldValues, type Path } from "react-hook-form";
import type { z } from "zod";
import type { ActionResult } from "@/lib/actions";
import { formResolver } from "./form-resolver";

/**
 * react-hook-form wired to a server action that validates with the same zod
 * schema: the browser checks first, the server checks again, and server field
 * errors land next to their field. What the user typed is kept on failure.
 */
export function useActionForm<S extends z.ZodType<FieldValues, FieldValues>, T>(
  schema: S,
  action: (input: z.input<S>) => Promise<ActionResult<T>>,
  options: { defaultValues?: DefaultValues<z.input<S>>; onSuccess?: (data: T, values: z.output<S>) => void | Promise<void> } = {},
) {
  const form = useForm<z.input<S>, unknown, z.output<S>>({
    resolver: formResolver(schema),
    defaultValues: options.defaultValues,
  });
  const [formError, setFormError] = useState<string>();
  const [success, setSuccess] = useState<string>();

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError(undefined);
    setSuccess(undefined);
    const result = await action(values as z.input<S>);
    if (!result.ok) {
      for (const [field, messages] of Object.entries(result.fieldErrors ?? {})) {
        form.setError(field as Path<z.input<S>>, { message: messages[0] });
      }
      setFormError(result.formError);
      return;
    }
    setSuccess(result.message);
    await options.onSuccess?.(result.data, values);
  });

  const errorOf = (name: string): string | undefined => {
    const parts = name.split(".");
    let node: unknown = form.formState.errors;
    for (const part of parts) node = (node as Record<string, unknown> | undefined)?.[part];
    return (node as { message?: string } | undefined)?.message;
  };

  return { form, onSubmit, formError, success, setSuccess, errorOf, pending: form.formState.isSubmitting };
}
