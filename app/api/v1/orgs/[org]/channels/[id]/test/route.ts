import { db } from "@/db/client";
import { testChannelEndpoint } from "@/lib/api/endpoints/channels";
import { handle } from "@/lib/api/handler";
import { sendChannelTest } from "@/lib/channels/test-send";

export const dynamic = "force-dynamic";

export const POST = handle(testChannelEndpoint, ({ org, params }) => sendChannelTest(db(), org.id, params.id));
