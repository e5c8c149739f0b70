import { z } from "zod";

/**
 * A message as a receiver gets it, secrets redacted: the test-alert preview
 * and the delivery log's request show the same shape (lib/test-alert/preview.ts).
 */

const headerOut = z.object({ name: z.string(), value: z.string(), redacted: z.boolean().optional() });

export const messageOut = z.union([
  z.object({ kind: z.literal("http"), headers: z.array(headerOut), body: z.unknown().describe("the JSON body, exactly as it will be posted") }),
  z.object({ kind: z.literal("email"), to: z.array(z.string()), subject: z.string(), text: z.string(), html: z.string() }),
  z.object({ kind: z.literal("inbox"), title: z.string() }),
]);
