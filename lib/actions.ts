import "server-only";
import type { z } from "zod";
import { type FieldErrors } from "@/lib/errors";
import { answerFailure } from "@/lib/api/protocol";
import { fieldErrorsOf } from "@/lib/validation/field-errors";
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextPath } from "@/lib/validation/text";

/** What every server action returns: the form shows `fieldErrors` next to each field. */
export type ActionResult<T = undefined> = { ok: true; data: T; message?: string } | { ok: false; fieldErrors?: FieldErrors; formError?: string };

/**
 * Wraps a server action so that its input is parsed by the same zod schema as
 * the form, and expected errors come back as messages instead of exceptions.
 * Authorization stays inside `fn` (it calls `authorize` with the permission it
 * needs), next to the data it touches.
 */
export function validatedAction<S extends z.ZodType, T>(
  schema: S,
  fn: (input: z.output<S>) => Promise<T> | T,
): (input: z.input<S>) => Promise<ActionResult<T>> {
  return async (input) => {
    const parsed = schema.safeParse(input);
    if (!parsed.success) {
      return { ok: false, fieldErrors: fieldErrorsOf(parsed.error), formError: "Some fields are invalid" };
    }
    const unstorable = unstorableTextPath(parsed.data);
    if (unstorable) return { ok: false, fieldErrors: { [unstorable.join(".") || "_"]: [UNSTORABLE_TEXT_MESSAGE] }, formError: "Some fields are invalid" };
    try {
      return { ok: true, data: await fn(parsed.data) };
    } catch (e) {
      // Next's redirect()/notFound() work by throwing; let them through.
      if (isNextControlFlow(e)) throw e;
      const error = answerFailure(e);
      return { ok: false, fieldErrors: error.fields, formError: error.message };
    }
  };
}

function isNextControlFlow(e: unknown): boolean {
  const digest = (e as { digest?: unknown })?.digest;
  return typeof digest === "string" && (digest.startsWith("NEXT_REDIRECT") || digest.startsWith("NEXT_HTTP_ERROR_FALLBACK") || digest === "NEXT_NOT_FOUND");
}
