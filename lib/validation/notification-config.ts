import { z } from "zod";
import { ruleSchema } from "./rules";

/**
 * `POST /api/v1/notification-config?org=…` (CIPP-style): the org rules as a
 * whole — listed with an id = kept and changed, without = created, left out
 * = removed. Each rule is checked with the same schema as the console's form.
 */
export const notificationConfigSchema = z.object({
  rules: z
    .array(z.intersection(z.object({ id: z.string().trim().min(1).max(100).optional().describe("an existing org rule; leave out for a new one") }), ruleSchema))
    .max(200, "may hold at most 200 rules"),
});
export type NotificationConfigInput = z.output<typeof notificationConfigSchema>;
