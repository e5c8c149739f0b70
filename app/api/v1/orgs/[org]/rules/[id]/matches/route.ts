import { db } from "@/db/client";
import { ruleMatchesEndpoint } from "@/lib/api/endpoints/rules";
import { handle } from "@/lib/api/handler";
import { whatWouldMatch } from "@/lib/rules/queries";

export const dynamic = "force-dynamic";

export const GET = handle(ruleMatchesEndpoint, async ({ org, params }) => ({ events: await whatWouldMatch(db(), org.id, params.id) }));
