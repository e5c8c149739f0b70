import { endpoint } from "@/lib/api/endpoint";

/**
 * `POST /catch/{token}`: a request catcher's public address (app/catch/[token]/route.ts).
 * Not part of /api/v1 nor its OpenAPI document; described here so the
 * generated authorization tests (test/authorization-matrix.test.ts) find it.
 */
export const catchRequestEndpoint = endpoint({
  method: "POST",
  path: "/catch/{token}",
  summary: "Keeps the request for the request catcher the token names (any body, up to 256 KiB)",
  tag: "Request catcher",
  permission: null,
  status: 200,
});
