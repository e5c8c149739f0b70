import { z } from "zod";
import { ORG_ROLES } from "@/db/schema/values";
import { emailSchema, nameSchema, passwordSchema, slugSchema } from "./common";

/** First-run setup: the first org and its owner. Shared by the /setup form, its action and the CLI. */
export const setupSchema = z
  .object({
    orgName: nameSchema,
    email: emailSchema,
    password: passwordSchema,
    confirmPassword: z.string(),
  })
  .refine((v) => v.password === v.confirmPassword, {
    path: ["confirmPassword"],
    message: "does not match the password",
  });
export type SetupInput = z.infer<typeof setupSchema>;

export const signInSchema = z.object({
  email: emailSchema,
  password: z.string().min(1, "is required").max(200),
});

export const acceptInviteSchema = z
  .object({
    token: z.string().min(10).max(200),
    password: passwordSchema,
    confirmPassword: z.string(),
  })
  .refine((v) => v.password === v.confirmPassword, {
    path: ["confirmPassword"],
    message: "does not match the password",
  });

/** Someone signed in accepts an invitation through its link. */
export const joinOrgSchema = z.object({ token: z.string().min(10).max(200) });

export const renameOrgSchema = z.object({ name: nameSchema });

/** Deleting an org: its name typed again, as the confirmation. */
export const deleteOrgSchema = z.object({ confirmName: z.string({ error: "type the organization's name to confirm" }).max(200) });

export const addMemberSchema = z.object({
  email: emailSchema,
  role: z.enum(ORG_ROLES, { error: `must be one of ${ORG_ROLES.join(", ")}` }),
});

const userIdSchema = z.string({ error: "must name a member" }).min(1, "must name a member");

export const changeRoleSchema = z.object({
  userId: userIdSchema,
  role: z.enum(ORG_ROLES, { error: `must be one of ${ORG_ROLES.join(", ")}` }),
});

export const removeMemberSchema = z.object({ userId: userIdSchema });

export const productSchema = z.object({
  name: nameSchema,
  slug: slugSchema.optional(),
});

export const renameProductSchema = z.object({ name: nameSchema });

export const productAdminsSchema = z.object({
  userIds: z.array(userIdSchema).max(500, "may name at most 500 members"),
});

export const createTokenSchema = z.object({
  name: nameSchema,
  role: z.enum(["admin", "read"], { error: "must be admin or read" }).default("admin"),
  /** Days until the token expires; absent = never. */
  expiresInDays: z.coerce
    .number({ error: "must be a number of days" })
    .int("must be a whole number of days")
    .min(1, "must be at least 1 day (or leave it empty: never)")
    .max(3650, "must be at most 3,650 days (10 years)")
    .optional(),
});

/** Settings → Data retention: empty = the instance's HERALD_RETENTION_DAYS; never longer than it (checked on the server, which knows it). */
export const orgRetentionSchema = z.object({
  retentionDays: z.preprocess(
    (v) => (v === "" || v === undefined ? null : v),
    z.coerce
      .number({ error: "must be a number of days" })
      .int("must be a whole number of days")
      .min(1, "must be at least 1 day")
      .max(36500, "must be at most 36,500 days")
      .nullable(),
  ),
});
