import { z } from "zod";
import { nameSchema, slugSchema } from "./common";
import { severitySchema } from "./events";

/**
 * Rules (DESIGN §2, §7.1), shared by the console panels, the server actions,
 * the rules API and the CIPP-style config. Zod checks shapes; the domain
 * (lib/rules/resolve.ts) checks what needs the database: products, event types
 * and channels exist and fit the rule's scope.
 */

export const DIGEST_WINDOWS = [1, 5, 15, 60] as const;
export const DEFAULT_DIGEST_MINUTES = 5;
/** CIPP checks only "Alert" until the owner picks more. */
export const DEFAULT_SEVERITIES = ["alert"] as const;
export const RULE_MODES = ["immediate", "digest"] as const;

const MAX_LIST = 200;

const digestMinutesSchema = z.coerce
  .number({ error: "must be 1, 5, 15 or 60" })
  .refine((n): n is (typeof DIGEST_WINDOWS)[number] => (DIGEST_WINDOWS as readonly number[]).includes(n), "must be 1, 5, 15 or 60");

const eventTypesSchema = z.union(
  [
    z.literal("all"),
    z
      .array(z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters"))
      .min(1, 'pick at least one event type, or "all"')
      .max(MAX_LIST, `must list at most ${MAX_LIST} event types`)
      .transform((keys) => [...new Set(keys)]),
  ],
  {
    error: (issue) =>
      Array.isArray(issue.input) && issue.input.length === 0 ? 'pick at least one event type, or "all"' : 'must be "all" or a list of event type keys',
  },
);

const severitiesSchema = z
  .array(severitySchema)
  .min(1, "pick at least one severity")
  .transform((list) => [...new Set(list)]);

const channelIdsSchema = z
  .array(z.string().trim().min(1, "must not be empty").max(100))
  .min(1, "pick at least one channel")
  .max(MAX_LIST, `must list at most ${MAX_LIST} channels`)
  .transform((ids) => [...new Set(ids)]);

const ruleFields = {
  name: nameSchema,
  /** A product rule: the product's slug. */
  product: slugSchema.nullish(),
  /** An org rule restricted to these products (empty = every event of the org). */
  products: z.array(slugSchema).max(MAX_LIST, `must list at most ${MAX_LIST} products`).default([]),
  eventTypes: eventTypesSchema,
  severities: severitiesSchema.default([...DEFAULT_SEVERITIES]),
  channels: channelIdsSchema,
  mode: z.enum(RULE_MODES, { error: "must be immediate or digest" }).default("immediate"),
  digestMinutes: digestMinutesSchema.nullish(),
  splitByProduct: z.boolean({ error: "must be true or false" }).default(false),
  enabled: z.boolean({ error: "must be true or false" }).default(true),
};

/** A whole rule; a digest without a window gets the default one, an immediate rule none. */
export const ruleSchema = z
  .object(ruleFields)
  .superRefine((rule, ctx) => {
    if (rule.product && rule.products.length) {
      ctx.addIssue({ code: "custom", path: ["products"], message: "only org rules are restricted to products; a product rule sees its own product" });
    }
  })
  .transform((rule) => ({
    ...rule,
    product: rule.product ?? null,
    products: [...new Set(rule.products)],
    digestMinutes: rule.mode === "digest" ? (rule.digestMinutes ?? DEFAULT_DIGEST_MINUTES) : null,
  }));
export type RuleInput = z.input<typeof ruleSchema>;
export type RuleBody = z.output<typeof ruleSchema>;

/** A change to a rule: what is left out stays; the result is checked as a whole rule. */
export type RulePatch = Partial<
  Record<"name" | "product" | "products" | "eventTypes" | "severities" | "channels" | "mode" | "digestMinutes" | "splitByProduct" | "enabled", unknown>
>;

/** The API's patch body: the same fields as a rule, each optional (documented shape). */
export const rulePatchBodySchema = z
  .object({
    name: ruleFields.name.optional(),
    products: z.array(slugSchema).max(MAX_LIST).optional(),
    eventTypes: eventTypesSchema.optional(),
    severities: severitiesSchema.optional(),
    channels: channelIdsSchema.optional(),
    mode: z.enum(RULE_MODES, { error: "must be immediate or digest" }).optional(),
    digestMinutes: digestMinutesSchema.nullish(),
    splitByProduct: z.boolean({ error: "must be true or false" }).optional(),
    enabled: z.boolean({ error: "must be true or false" }).optional(),
  })
  .strict();

export const ruleFiltersSchema = z.object({
  product: slugSchema.optional().describe("only the rules of this product"),
  scope: z.enum(["org", "product"], { error: "must be org or product" }).optional().describe("org rules or product rules"),
});
