import type { z } from "zod";
import type { FieldErrors } from "@/lib/errors";

/**
 * How a failed zod parse is told, field by field — the same in the API's 422,
 * a server action's answer and the console's forms (components/use-action-form.ts),
 * so a field reads the same message wherever it is checked.
 */

type Issue = z.core.$ZodIssue;

/** Zod issues → `{ "items.0.type": ["is required"] }` (each key after `prefix`, for a body nested in a larger one). */
export function fieldErrorsOf(error: z.ZodError, prefix = ""): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of flattenUnions(error.issues)) {
    const key = prefix + (issue.path.length ? issue.path.join(".") : "_");
    (fields[key] ??= []).push(readable(issue));
  }
  return fields;
}

/** zod's own wording when a schema gives none: "Invalid input" for a union that failed every branch. */
const ZOD_UNION_MESSAGE = "Invalid input";

/**
 * A failed union (e.g. "one event or an array of events") reports the issues
 * of the branch that fits the input's shape, with full paths, instead of one
 * unhelpful "invalid input" at the root. A union with a message of its own
 * (`"all" or a list of event type keys`) keeps it: a branch's "expected \"all\""
 * would send the reader the wrong way.
 */
function flattenUnions(issues: readonly Issue[]): Issue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== "invalid_union" || !("errors" in issue) || !issue.errors.length) return [issue];
    if (issue.message !== ZOD_UNION_MESSAGE) return [issue];
    const branches = issue.errors as Issue[][];
    const fitting = branches.find((b) => !b.some((i) => i.code === "invalid_type" && i.path.length === 0)) ?? branches[0];
    return flattenUnions(fitting.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as Issue));
  });
}

/** zod's default wording of a wrong or missing value, which names types as TypeScript does. */
const ZOD_TYPE_MESSAGE = /^Invalid input: expected (\w+), received (\w+)$/;
const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object",
};

/** "is required" for a missing value, "must be a number" for a wrong one, where the schema says nothing of its own. */
function readable(issue: Issue): string {
  const match = issue.code === "invalid_type" ? ZOD_TYPE_MESSAGE.exec(issue.message) : null;
  if (!match) return issue.message;
  const [, expected, received] = match;
  return received === "undefined" ? "is required" : `must be ${TYPE_NAMES[expected] ?? expected}`;
}
