import { parentPort, workerData } from "node:worker_threads";
import { createGuardedAgent } from "./guarded-agent";
import { post, type PostRequest } from "./post";
import type { FromHttpThread, HttpThreadData, PostFailure, ToHttpThread } from "./http-thread-client";

/**
 * The dispatcher's sending thread: owns the guarded undici agent and runs
 * every POST the dispatcher thread hands it (lib/net/http-thread-client.ts).
 * Requests arrive and answers leave in batches (answers: one message per
 * turn of this thread's event loop), so crossing threads is paid per batch.
 */

const port = parentPort;
if (!port) throw new Error("http-thread.ts runs as a worker thread");
const options = workerData as HttpThreadData;
const agent = createGuardedAgent({ allowPrivate: options.allowPrivate, publicUrl: options.publicUrl });

let outbox: FromHttpThread = [];
let flushQueued = false;
function answer(item: FromHttpThread[number]) {
  outbox.push(item);
  if (flushQueued) return;
  flushQueued = true;
  setImmediate(() => {
    flushQueued = false;
    const batch = outbox;
    outbox = [];
    port!.postMessage(batch);
  });
}

/** What the dispatcher needs of a network error to put it in words (describeNetworkError). */
function failureOf(e: unknown): PostFailure {
  const err = e as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } };
  return {
    name: err.name ?? "Error",
    message: err.message ?? String(e),
    code: err.code,
    cause: err.cause ? { code: err.cause.code, message: err.cause.message } : undefined,
  };
}

port.on("message", (message: ToHttpThread) => {
  if (message === "close") {
    void agent.close().finally(() => port.close());
    return;
  }
  for (const [id, request] of message as [number, PostRequest][]) {
    post(agent, request).then(
      (result) => answer([id, result]),
      (e: unknown) => answer([id, null, failureOf(e)]),
    );
  }
});
