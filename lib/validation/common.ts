import { z } from "zod";

const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const slugSchema = z.string().trim().regex(SLUG_PATTERN, "must be 1–63 lowercase letters, digits or dashes, starting with a letter or digit");

export const emailSchema = z.string().trim().toLowerCase().pipe(z.email("must be a valid e-mail address").max(254));

export const passwordSchema = z.string().min(12, "must be at least 12 characters").max(200, "must be at most 200 characters");

export const nameSchema = z
  .string()
  .trim()
  .min(1, "is required")
  .max(100, "must be at most 100 characters")
  // Names end up in e-mail subjects, headers of messages and logs: no control characters.
  .regex(/^[^\p{Cc}]*$/u, "must not contain control characters");

/** Turns a display name into a slug candidate ("Acme Corp." → "acme-corp"). */
export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return slug || "org";
}

/** Adds the org slug that every console action carries (authorization happens in the action). */
export function withOrg<T extends z.ZodRawShape>(schema: z.ZodObject<T>) {
  return schema.extend({ org: z.string().min(1).max(63) });
}
