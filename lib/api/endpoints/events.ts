import { z } from "zod";
import { endpoint } from "@/lib/api/endpoint";
import { ingestBodySchema } from "@/lib/validation/events";

export const ingestEventsEndpoint = endpoint({
  method: "POST",
  path: "/api/v1/events",
  summary: "Post one event or an array of up to 1,000 (all-or-nothing; a repeated id is stored once)",
  tag: "Events",
  permission: "org:configure",
  body: ingestBodySchema,
  example: { id: "deploy-42", type: "deployment.failed", product: "web-shop", title: "Deploy 42 failed", data: { commit: "abc123" } },
  response: z.object({
    events: z.array(z.object({ id: z.string(), deliveries: z.number().int(), duplicate: z.boolean().optional() })),
  }),
  status: 202,
});
