import { describe, expect, it } from "vitest";
import type { FieldErrors, ResolverOptions } from "react-hook-form";
import { formResolver } from "@/components/form-resolver";
import { deliveryFiltersSchema } from "./deliveries";
import { ingestBodySchema } from "./events";
import { fieldErrorsOf } from "./field-errors";
import { ruleSchema } from "./rules";

/**
 * The words a person reads for a wrong field (session 14's new-user trial): the
 * API answered `Invalid input: expected "all"` to a rule without event types and
 * `Invalid input: expected string, received undefined` to a missing title, and
 * the console's rule form said `Events: Invalid input: expected "all"`.
 */

const errorsOf = (schema: { safeParse: (v: unknown) => { error?: unknown } }, value: unknown) =>
  fieldErrorsOf(schema.safeParse(value).error as Parameters<typeof fieldErrorsOf>[0]);

const rule = { name: "Failures", channels: ["ch_1"] };

describe("field errors, as the API and server actions give them", () => {
  it("a union with a message of its own keeps it, whatever branch came nearest", () => {
    for (const eventTypes of ["log.entry", undefined, 5, null]) {
      expect(errorsOf(ruleSchema, { ...rule, eventTypes }).eventTypes, String(eventTypes)).toEqual(['must be "all" or a list of event type keys']);
    }
    expect(errorsOf(ruleSchema, { ...rule, eventTypes: [] }).eventTypes).toEqual(['pick at least one event type, or "all"']);
  });

  it("a union without one still reports the branch that fits the input (one event or a batch)", () => {
    expect(errorsOf(ingestBodySchema, {})).toEqual({ type: ["is required"], title: ["is required"] });
    expect(errorsOf(ingestBodySchema, [{ type: "log.entry" }])).toEqual({ "0.title": ["is required"] });
  });

  it("zod's default wording becomes plain words: missing is required, a wrong type names the right one", () => {
    expect(errorsOf(ruleSchema, { eventTypes: "all", channels: ["ch_1"] }).name).toEqual(["is required"]);
    expect(errorsOf(ruleSchema, { ...rule, eventTypes: "all", channels: "ch_1" }).channels).toEqual(["must be a list"]);
    expect(errorsOf(ingestBodySchema, { type: 5, title: "t" }).type).toEqual(["must be a string"]);
    expect(errorsOf(deliveryFiltersSchema, { limit: "abc" }).limit).toEqual(["must be a number"]);
  });
});

describe("the console's forms read the same words (formResolver)", () => {
  const options = { fields: {}, shouldUseNativeValidation: false } as ResolverOptions<Record<string, unknown>>;
  const messageOf = (errors: FieldErrors, name: string) => (errors[name] as { message?: string } | undefined)?.message;

  it("a rule without an event type: the rule's own message, not a branch's", async () => {
    const { errors } = await formResolver(ruleSchema)({ ...rule, eventTypes: [] }, undefined, options as never);
    expect(messageOf(errors, "eventTypes")).toBe('pick at least one event type, or "all"');
  });

  it("nested paths land where react-hook-form looks for them, and a valid form gives its parsed values", async () => {
    const bad = await formResolver(ruleSchema)({ ...rule, eventTypes: "all", severities: ["loud"] } as never, undefined, options as never);
    expect((bad.errors.severities as unknown as { message?: string }[])[0]?.message).toMatch(/must be one of|severity/i);
    const good = await formResolver(ruleSchema)({ ...rule, eventTypes: ["a.b", "a.b"] }, undefined, options as never);
    expect(good.errors).toEqual({});
    expect((good.values as { eventTypes: string[] }).eventTypes).toEqual(["a.b"]);
  });
});
