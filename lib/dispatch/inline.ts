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
    log.info("in-process dispatcher started", { owner: worker.owner });
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.once(signal, () => void worker.stop());
    }
  }
  return globalForInline.heraldInlineDispatcher;
}

export function inlineDispatcher(): RunningDispatcher | undefined {
  return globalForInline.heraldInlineDispatcher;
}
