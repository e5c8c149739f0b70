import { openApiDocumentEndpoint } from "@/lib/api/endpoints/meta";
import { handle } from "@/lib/api/handler";
import { buildOpenApiDocument } from "@/lib/api/openapi";

export const dynamic = "force-dynamic";

// The document only changes with the code, so it is built once per server process.
let document: ReturnType<typeof buildOpenApiDocument> | undefined;

export const GET = handle(openApiDocumentEndpoint, () => (document ??= buildOpenApiDocument()));
