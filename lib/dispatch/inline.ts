import { db } from "@/db/client";
import { log } from "@/lib/log";
import { startDispatcher, type RunningDispatcher } from "./run";

/**
 * The in-process worker (HERALD_WORKER=inline, the default), started once per
 * server process from instrumentation.ts. Kept on globalThis so Next's module
 * reloads in development never start a second one.
 */
const globalForInline = globalThis as unknown as { heraldInlineDispatcher?: RunningDispatcher };

export function startInlineDispatcher(): RunningDispatcher {
  if (!globalForInline.heraldInlineDispatcher) {
    const worker = startDispatcher({ db: db() });
    globalForInline.heraldInlineDispatcher = worker;
    // No signal handlers here: they would change how the server exits. A server
    // stopped mid-send leaves leases that expire, and the deliveries go out again.
    log.info("in-process dispatcher started", { owner: worker.owner });
  }
  return globalForInline.heraldInlineDispatcher;
}

export function inlineDispatcher(): RunningDispatcher | undefined {
  return globalForInline.heraldInlineDispatcher;
}
