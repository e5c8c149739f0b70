import { closeDb, db } from "@/db/client";
import { closeMailTransport } from "@/lib/channels/email/module";
import { outboundAgent } from "@/lib/net/outbound";
import { HttpThread } from "@/lib/net/http-thread-client";
import { log } from "@/lib/log";
import type { DispatcherOptions } from "./dispatcher";
import { startDispatcher } from "./run";

/**
 * `npm run herald -- worker`: the standalone dispatcher. Several may run on
 * one database (leases keep them apart). SIGTERM/SIGINT stop it cleanly:
 * no new claims, unstarted deliveries handed back, sends in flight finished
 * and recorded — anything still running after the grace keeps its lease,
 * which expires so another worker sends it (at-least-once).
 */
export async function runWorkerCommand(options: Partial<Omit<DispatcherOptions, "db">> = {}): Promise<void> {
  const worker = startDispatcher({ ...options, db: db(), sender: new HttpThread() });
  log.info("worker started", { owner: worker.owner, pid: process.pid });
  console.log(`Herald worker ${worker.owner} is dispatching (Ctrl-C to stop)`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  log.info("worker stopping", { owner: worker.owner, signal });
  await worker.stop();
  // Idle keep-alive connections (and, on PostgreSQL, the pool's idle clients) would hold
  // the process open for their timeouts: a stopped worker exits at once.
  closeMailTransport();
  await outboundAgent().destroy();
  log.info("worker stopped", { owner: worker.owner, ...worker.counts });
  await closeDb(db());
}
