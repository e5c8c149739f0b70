import { db } from "@/db/client";
import { log } from "@/lib/log";
import { startDispatcher, type RunningDispatcher } from "./run";

/**
 * The in-process worker (HERALD_WORKER=inline, the default), one per server
 * process. `herald start` runs it on a thread of its own
 * (lib/server/dispatch-thread-client.ts) and registers it here before Next.js
 * starts; under `next dev` instrumentation.ts starts it on the main thread.
 * Kept on globalThis so Next's module reloads in development never start a second one.
 */
export type InlineDispatcher = Pick<RunningDispatcher, "owner" | "wake" | "stop">;

const globalForInline = globalThis as unknown as { heraldInlineDispatcher?: InlineDispatcher };

export function startInlineDispatcher(): InlineDispatcher {
  if (!globalForInline.heraldInlineDispatcher) {
    const worker = startDispatcher({ db: db() });
    globalForInline.heraldInlineDispatcher = worker;
    // No signal handlers here: they would change how the server exits. A server
    // stopped mid-send leaves leases that expire, and the deliveries go out again.
    log.info("in-process dispatcher started", { owner: worker.owner });
  }
  return globalForInline.heraldInlineDispatcher;
}

/** Registers a dispatcher started elsewhere (herald start's thread) as this process's one. */
export function setInlineDispatcher(dispatcher: InlineDispatcher) {
  globalForInline.heraldInlineDispatcher = dispatcher;
  log.info("in-process dispatcher started", { owner: dispatcher.owner, thread: true });
}

export function inlineDispatcher(): InlineDispatcher | undefined {
  return globalForInline.heraldInlineDispatcher;
}
