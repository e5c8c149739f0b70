import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Env } from "@/lib/env";
import { db } from "@/db/client";
import { inlineDispatcher } from "@/lib/dispatch/inline";
import { checkClockAgainstDatabase } from "@/lib/dispatch/clock";
import { probeStorage, storageFailure } from "@/lib/dispatch/storage-health";
import { log } from "@/lib/log";
import { startDispatchThread } from "./dispatch-thread-client";
import { isFastIngest, serveFastIngest } from "./ingest-fast-path";
import { guardRequest, refuseOversizedBody } from "./request-guard";
import { refuseUnroutedApiRequest } from "./api-routes";

/**
 * `herald start`: one process serving the console and the API. Next.js runs
 * in this process (its documented custom-server mode) and answers every
 * request but the token-authenticated ingest, which lib/server/ingest-fast-path.ts
 * answers directly. The in-process dispatcher (HERALD_WORKER=inline) runs on a
 * thread of its own; on SIGTERM/SIGINT it is stopped cleanly before the process exits.
 */
export async function startHttpServer(env: Env): Promise<{ stopped: Promise<void> }> {
  // Next reads these at load time; next-auth reads the two NEXTAUTH_ ones per request.
  Object.assign(process.env, {
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? env.publicUrl,
    NEXTAUTH_SECRET: env.authSecret,
  });
  // A start on a still-full disk (or without its database) says so in health and metrics at once, not at the first write.
  if (!(await probeStorage(db()))) log.error("starting with a database that cannot be written", { storage: storageFailure() });
  // A clock behind the newest stored event was stepped back while Herald was down: /api/health and the log say so.
  await checkClockAgainstDatabase(db()).catch((e: unknown) => log.error("clock: could not compare with the database", { error: String(e) }));
  // Before Next starts: instrumentation.ts then finds the inline dispatcher running.
  if (env.HERALD_WORKER === "inline") await startDispatchThread();
  const { default: next } = await import("next");
  const app = next({ dev: false, dir: process.cwd(), port: env.PORT });
  const handleNext = app.getRequestHandler();
  await app.prepare();

  const server = createHeraldServer(env, (req, res) => void handleNext(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(env.PORT, env.HOST, () => resolve());
  });

  const stopped = new Promise<void>((resolve) => {
    const stop = async (signal: string) => {
      log.info("stopping", { signal });
      server.close();
      server.closeIdleConnections();
      await inlineDispatcher()?.stop();
      await app.close();
      resolve();
    };
    process.once("SIGTERM", () => void stop("SIGTERM"));
    process.once("SIGINT", () => void stop("SIGINT"));
  });
  return { stopped };
}

/**
 * The HTTP server of `herald start`, Next.js given as `handleNext`: every
 * request goes through the guard (lib/server/request-guard.ts), then to the
 * ingest fast path or to Next (what no API route takes is answered before,
 * lib/server/api-routes.ts). A body declared larger than any route takes is
 * refused before it is read — before "100 Continue", so a client that asked
 * first never sends it.
 */
export function createHeraldServer(env: Env, handleNext: (req: IncomingMessage, res: ServerResponse) => void): http.Server {
  const serve = (incoming: IncomingMessage, res: ServerResponse) => {
    if (refuseOversizedBody(incoming, res)) return;
    void guardRequest(incoming, res, env).then(
      (req) => {
        if (!req) return;
        if (isFastIngest(req)) void serveFastIngest(req, res);
        else if (!refuseUnroutedApiRequest(req, res)) handleNext(req, res);
      },
      (e: unknown) => {
        log.warn("request refused", { error: String(e) });
        if (!res.headersSent) res.writeHead(400, { connection: "close" });
        res.end();
      },
    );
  };
  const server = http.createServer(serve);
  // Node answers "Expect: 100-continue" itself unless told otherwise: first the size is checked.
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => {
    if (refuseOversizedBody(req, res)) return;
    res.writeContinue();
    serve(req, res);
  });
  return server;
}
