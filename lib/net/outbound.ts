import type { Dispatcher } from "undici";
import { env } from "@/lib/env";
import { createGuardedAgent } from "./guarded-agent";

const globalForAgent = globalThis as unknown as { heraldOutbound?: Dispatcher };

/** The process's shared guarded dispatcher (keep-alive connections are reused across sends). */
export function outboundDispatcher(): Dispatcher {
  globalForAgent.heraldOutbound ??= createGuardedAgent({ allowPrivate: env().HERALD_ALLOW_PRIVATE_TARGETS, publicUrl: env().publicUrl });
  return globalForAgent.heraldOutbound;
}

/** Lets tests stand a MockAgent in for receivers outside this machine (as `setDb` does for the database). */
export function setOutboundDispatcher(value: Dispatcher | undefined) {
  globalForAgent.heraldOutbound = value;
}
