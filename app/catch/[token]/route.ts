import { db } from "@/db/client";
import { handle } from "@/lib/api/handler";
import { assertLiveCatcher, readCaughtBody, recordCaughtRequest } from "@/lib/catcher/catchers";
import { catchRequestEndpoint } from "@/lib/catcher/endpoint";

export const dynamic = "force-dynamic";

/**
 * A request catcher's public address: no sign-in, the unguessable token is
 * the credential (lib/catcher/catchers.ts bounds what it can make us store).
 * Any body is kept as sent, as text (bytes that are not UTF-8, and NUL, become
 * U+FFFD) — its signature is checked against what was kept.
 */
export const POST = handle(catchRequestEndpoint, async ({ req, params }) => {
  await assertLiveCatcher(db(), params.token);
  const body = await readCaughtBody(req);
  const { id } = await recordCaughtRequest(db(), params.token, { method: req.method, headers: req.headers, body });
  return { caught: id };
});
