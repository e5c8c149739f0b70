import { z } from "zod";
import { endpoint } from "@/lib/api/endpoint";

export const openApiDocumentEndpoint = endpoint({
  method: "GET",
  path: "/api/v1/openapi.json",
  summary: "This API's OpenAPI 3.1 document, generated from the schemas that validate requests",
  tag: "Meta",
  permission: null,
  response: z
    .object({
      openapi: z.literal("3.1.0"),
      info: z.object({ title: z.string(), version: z.string() }).loose(),
      paths: z.record(z.string(), z.record(z.string(), z.unknown())),
    })
    .loose(),
});
