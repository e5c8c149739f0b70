import { toNestErrors } from "@hookform/resolvers";
import type { FieldError, FieldValues, Resolver } from "react-hook-form";
import type { z } from "zod";
import { fieldErrorsOf } from "@/lib/validation/field-errors";

/**
 * react-hook-form's resolver for a zod schema, telling each error as the server
 * does (lib/validation/field-errors.ts): a form and the API it shares a schema
 * with show a field the same message.
 */
export function formResolver<S extends z.ZodType<FieldValues, FieldValues>>(schema: S): Resolver<z.input<S>, unknown, z.output<S>> {
  return async (values, _context, options) => {
    const parsed = await schema.safeParseAsync(values);
    if (parsed.success) return { values: parsed.data, errors: {} };
    const errors: Record<string, FieldError> = {};
    for (const [path, messages] of Object.entries(fieldErrorsOf(parsed.error))) errors[path] = { type: "validation", message: messages[0] };
    return { values: {}, errors: toNestErrors(errors, options) };
  };
}
