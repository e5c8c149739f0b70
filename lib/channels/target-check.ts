import { env } from "@/lib/env";
import type { FieldErrors } from "@/lib/errors";
import { AddressRefusedError, assertPublicHost, systemLookup, type LookupAll } from "@/lib/net/address-guard";

/** How long a save may wait on DNS before it gives up checking (the send-time check still applies). */
const SAVE_LOOKUP_LIMIT_MS = 3000;

export type TargetCheckOptions = { allowPrivate?: boolean; lookup?: LookupAll };

function withLimit(lookup: LookupAll): LookupAll {
  return (hostname) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(Object.assign(new Error("DNS lookup timed out"), { code: "ETIMEOUT" })), SAVE_LOOKUP_LIMIT_MS);
      lookup(hostname).then(
        (value) => (clearTimeout(timer), resolve(value)),
        (error) => (clearTimeout(timer), reject(error)),
      );
    });
}

/**
 * Save-time address guard for a channel's URL: refused when its host is, or
 * resolves to, a private address. A host that does not resolve (now) is
 * accepted: the check repeats on the connected address at every send.
 */
export async function checkUrlTarget(url: string | undefined, options: TargetCheckOptions = {}, field = "url"): Promise<FieldErrors> {
  if (!url) return {};
  const allowPrivate = options.allowPrivate ?? env().HERALD_ALLOW_PRIVATE_TARGETS;
  let hostname: string;
  try {
    hostname = new URL(url).hostname;
  } catch {
    return { [field]: ["must be a URL"] };
  }
  try {
    await assertPublicHost(hostname, { allowPrivate, lookup: withLimit(options.lookup ?? systemLookup) });
    return {};
  } catch (e) {
    if (e instanceof AddressRefusedError) return { [field]: [e.message] };
    return {};
  }
}
