import type { Dispatcher } from "undici";
import { env } from "@/lib/env";
import { createGuardedAgent } from "./guarded-agent";
import { posterThrough, type Poster } from "./post";

const globalForAgent = globalThis as unknown as { heraldOutbound?: Dispatcher };

/** The process's shared guarded undici agent (keep-alive connections are reused across sends). */
export function outboundAgent(): Dispatcher {
  globalForAgent.heraldOutbound ??= createGuardedAgent({ allowPrivate: env().HERALD_ALLOW_PRIVATE_TARGETS, publicUrl: env().publicUrl });
  return globalForAgent.heraldOutbound;
}

/** How a send POSTs when it is given no Poster: through the process's guarded agent. */
export const outboundPoster: Poster = (request) => posterThrough(outboundAgent())(request);

/** Lets tests stand a MockAgent in for receivers outside this machine (as `setDb` does for the database). */
export function setOutboundAgent(value: Dispatcher | undefined) {
  globalForAgent.heraldOutbound = value;
}
