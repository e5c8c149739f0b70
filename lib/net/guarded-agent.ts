import { Agent, buildConnector, type Dispatcher } from "undici";
import { isOwnCatcherRequest } from "@/lib/catcher/urls";
import { ATTEMPT_TIMEOUT_MS, CONNECTIONS_PER_ORIGIN } from "@/lib/dispatch/policy";
import { AddressRefusedError, checkHostName, guardedLookup, systemLookup, type LookupAll } from "./address-guard";

/**
 * The per-attempt limit (ATTEMPT_TIMEOUT_MS: the receiver's time, from the
 * request written to a connection to the answer read, lib/net/post.ts;
 * connecting has a limit of the same length of its own) and the connections
 * to one origin (CONNECTIONS_PER_ORIGIN, equal to the dispatcher's per-origin
 * bound and a webhook lane's sends) are delivery policy: lib/dispatch/policy.ts.
 */

export type GuardedAgentOptions = {
  /** HERALD_ALLOW_PRIVATE_TARGETS: let loopback/private targets through (tests, labs). */
  allowPrivate: boolean;
  /** How names are resolved (the system resolver unless given). */
  lookup?: LookupAll;
  timeoutMs?: number;
  /**
   * HERALD_PUBLIC_URL: requests to exactly `/catch/{token}` there — this
   * instance's own request catchers (lib/catcher/urls.ts) — are let through
   * although that address is usually loopback or private. Nothing else on it is.
   */
  publicUrl?: string;
};

/**
 * An undici dispatcher for every request Herald sends to a user-configured
 * URL: IP-literal hosts are checked before connecting, names are resolved by
 * a lookup that refuses private addresses, so the address checked is the
 * address connected to. undici's `request` never follows redirects.
 */
export function createGuardedAgent(options: GuardedAgentOptions): Dispatcher {
  const guarded = guardedAgent(options);
  const { publicUrl } = options;
  if (!publicUrl || options.allowPrivate) return guarded;
  const timeout = options.timeoutMs ?? ATTEMPT_TIMEOUT_MS;
  const own = new Agent({ headersTimeout: timeout, bodyTimeout: timeout, keepAliveTimeout: 10_000, connect: { timeout } });
  // Decided per request, on the origin and path undici is about to send: the exception cannot widen to other paths.
  return guarded.compose((dispatch) => (opts, handler) => {
    const origin = typeof opts.origin === "string" ? opts.origin : opts.origin?.origin;
    return origin && isOwnCatcherRequest(publicUrl, origin, opts.path) ? own.dispatch(opts, handler) : dispatch(opts, handler);
  });
}

function guardedAgent(options: GuardedAgentOptions): Agent {
  const { allowPrivate } = options;
  const timeout = options.timeoutMs ?? ATTEMPT_TIMEOUT_MS;
  const connectOptions = allowPrivate ? {} : { lookup: guardedLookup(options.lookup ?? systemLookup) };
  const connector = buildConnector({ timeout, ...connectOptions } as buildConnector.BuildOptions);
  return new Agent({
    headersTimeout: timeout,
    bodyTimeout: timeout,
    keepAliveTimeout: 10_000,
    connections: CONNECTIONS_PER_ORIGIN,
    connect(opts, callback) {
      if (!allowPrivate) {
        try {
          // net.connect skips `lookup` for IP literals: check those here.
          checkHostName(opts.hostname);
        } catch (e) {
          callback(e as AddressRefusedError, null);
          return;
        }
      }
      connector(opts, callback);
    },
  });
}
