import { sharedWriteLock } from "@/db/write-lock";
import { log } from "@/lib/log";
import { subscribeToWakes } from "@/db/wake";
import { setInlineDispatcher } from "@/lib/dispatch/inline";
import { noteStorageFailure } from "@/lib/dispatch/storage-health";
import type { FromDispatchThread, ToDispatchThread } from "./dispatch-thread";
import { startThread } from "./threads";

/**
 * Starts the dispatcher thread and makes it the process's inline dispatcher:
 * every wake of this thread (an ingest, a retry or replay, a re-enabled
 * channel — from the fast path or from Next.js) reaches it as one message per
 * turn of the event loop. Resolves once the thread has started its dispatcher.
 */
export async function startDispatchThread(): Promise<void> {
  const worker = startThread(import.meta.dirname, "dispatch-thread", { workerData: { writeLock: sharedWriteLock() } });
  const send = (message: ToDispatchThread) => worker.postMessage(message);
  const owner = await new Promise<string>((resolve, reject) => {
    worker.once("error", reject);
    worker.once("message", (m: FromDispatchThread) => (m.type === "started" ? resolve(m.owner) : reject(new Error("dispatch thread did not start"))));
  });
  worker.on("error", (e) => log.error("dispatch thread failed", { error: e.stack ?? e.message }));
  worker.on("message", (m: FromDispatchThread) => m.type === "storage-failure" && noteStorageFailure(m.code, m.since, m.lastAt));

  let wakeQueued = false;
  const unsubscribe = subscribeToWakes(() => {
    if (wakeQueued) return;
    wakeQueued = true;
    setImmediate(() => {
      wakeQueued = false;
      send("wake");
    });
  });
  setInlineDispatcher({
    owner,
    wake: () => send("wake"),
    async stop() {
      unsubscribe();
      const stopped = new Promise<void>((resolve) => {
        worker.on("message", (m: FromDispatchThread) => m.type === "stopped" && resolve());
        worker.once("exit", () => resolve());
      });
      send("stop");
      await stopped;
    },
  });
}
