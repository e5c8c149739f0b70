import { Agent, buildConnector } from "undici";
import { AddressRefusedError, checkHostName, guardedLookup, systemLookup, type LookupAll } from "./address-guard";

/**
 * Per-attempt limit (DESIGN §5): the receiver's time, from the request written
 * to a connection to the answer read (lib/net/post.ts); connecting has a limit
 * of the same length of its own.
 */
export const OUTBOUND_TIMEOUT_MS = 15_000;

/**
 * Connections the agent opens to one origin, and the most requests the
 * dispatcher hands one origin at once, whatever the channels behind it (a
 * webhook lane sends as many: lib/dispatch/lanes.ts). Equal, so a request never
 * waits in undici's queue for a connection: its time there would not be the
 * receiver's, and with a slow receiver it grew past the attempt's limit and a
 * delivery's lease (issue #17).
 */
export const CONNECTIONS_PER_ORIGIN = 256;

export type GuardedAgentOptions = {
  /** HERALD_ALLOW_PRIVATE_TARGETS: let loopback/private targets through (tests, labs). */
  allowPrivate: boolean;
  /** How names are resolved (the system resolver unless given). */
  lookup?: LookupAll;
  timeoutMs?: number;
};

/**
 * An undici dispatcher for every request Herald sends to a user-configured
 * URL: IP-literal hosts are checked before connecting, names are resolved by
 * a lookup that refuses private addresses, so the address checked is the
 * address connected to. undici's `request` never follows redirects.
 */
export function createGuardedAgent(options: GuardedAgentOptions): Agent {
  const { allowPrivate } = options;
  const timeout = options.timeoutMs ?? OUTBOUND_TIMEOUT_MS;
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
