import { Agent, buildConnector } from "undici";
import { AddressRefusedError, checkHostName, guardedLookup, systemLookup, type LookupAll } from "./address-guard";

/** Per-attempt limit (DESIGN §5): connecting, sending and reading the answer. */
export const OUTBOUND_TIMEOUT_MS = 15_000;

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
    // As many as a webhook lane sends at once (lib/dispatch/lanes.ts): a busy receiver is not queued behind fewer sockets.
    connections: 64,
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
