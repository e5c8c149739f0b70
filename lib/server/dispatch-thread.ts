import { parentPort, workerData } from "node:worker_threads";
import { closeDb, db } from "@/db/client";
import { adoptWriteLock } from "@/db/write-lock";
import { startDispatcher } from "@/lib/dispatch/run";
import { forwardStorageFailures } from "@/lib/dispatch/storage-health";
import { HttpThread } from "@/lib/net/http-thread-client";

/**
 * The in-process worker of `herald start` (HERALD_WORKER=inline), on its own
 * thread: sending, signing and recording outcomes never hold up the thread
 * that answers the console and the API, and each gets a core on a 2-core
 * machine. It has its own database connection; the main thread wakes it when
 * work is due now (lib/server/dispatch-thread-client.ts).
 */
export type ToDispatchThread = "wake" | "stop";
export type FromDispatchThread =
  { type: "started"; owner: string } | { type: "stopped" } | { type: "storage-failure"; code: string; since: number; lastAt: number };

const port = parentPort;
if (!port) throw new Error("dispatch-thread.ts runs as a worker thread of herald start");

adoptWriteLock((workerData as { writeLock: SharedArrayBuffer }).writeLock);
// Health and metrics are answered on the main thread: a failed write here (outcomes, claims, leases) must show there.
forwardStorageFailures(({ code, since, lastAt }) => port.postMessage({ type: "storage-failure", code, since, lastAt } satisfies FromDispatchThread));
const dispatcher = startDispatcher({ db: db(), sender: new HttpThread() });
port.postMessage({ type: "started", owner: dispatcher.owner } satisfies FromDispatchThread);
port.on("message", (message: ToDispatchThread) => {
  if (message === "wake") dispatcher.wake();
  else if (message === "stop") {
    void dispatcher.stop().then(async () => {
      await closeDb(db());
      port.postMessage({ type: "stopped" } satisfies FromDispatchThread);
      port.close();
    });
  }
});
