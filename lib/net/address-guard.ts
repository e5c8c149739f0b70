import dns from "node:dns";
import net from "node:net";
import ipaddr from "ipaddr.js";

/**
 * The outbound address guard (DESIGN §5): Herald sends requests to URLs that
 * org admins type in, so a URL must not reach the machine Herald runs on, its
 * private network or a cloud metadata service. The same check runs at save
 * time (on the resolved addresses) and at send time on the address actually
 * connected to (lib/net/outbound.ts), so DNS rebinding cannot slip through.
 */

export class AddressRefusedError extends Error {
  readonly code = "HERALD_ADDRESS_REFUSED";
  constructor(message: string) {
    super(message);
    this.name = "AddressRefusedError";
  }
}

const ALLOW_HINT = "Herald refuses private targets unless the operator sets HERALD_ALLOW_PRIVATE_TARGETS=1";

const CLOUD_METADATA = new Set(["169.254.169.254", "169.254.170.2", "100.100.100.200", "192.0.0.192", "fd00:ec2::254"]);
const REFUSED_NAMES = new Set(["localhost", "metadata", "metadata.google.internal", "instance-data", "metadata.azure.com"]);

const IPV4_WORDS: Record<string, string> = {
  unspecified: "an unspecified address",
  broadcast: "the broadcast address",
  multicast: "a multicast address",
  linkLocal: "a link-local address",
  loopback: "a loopback address",
  carrierGradeNat: "a carrier-grade NAT (RFC 6598) address",
  private: "a private (RFC 1918) address",
  reserved: "a reserved address",
};
const IPV6_WORDS: Record<string, string> = {
  unspecified: "an unspecified address",
  linkLocal: "a link-local address",
  multicast: "a multicast address",
  loopback: "a loopback address",
  uniqueLocal: "a unique-local (ULA) address",
  deprecatedSiteLocal: "a site-local address",
  teredo: "a Teredo tunnelling address",
  reserved: "a reserved address",
};

function describeIPv4(ip: ipaddr.IPv4): string | null {
  const text = ip.toString();
  if (CLOUD_METADATA.has(text)) return "the cloud metadata address";
  const range = ip.range();
  if (range === "unicast") return null;
  return IPV4_WORDS[range] ?? `a special-purpose address (${range})`;
}

/** The IPv4 address inside an IPv6 form that carries one (mapped, translated, NAT64, 6to4, compatible). */
function embeddedIPv4(ip: ipaddr.IPv6): ipaddr.IPv4 | null {
  const p = ip.parts;
  const range = ip.range();
  const tail = () => new ipaddr.IPv4([p[6] >> 8, p[6] & 0xff, p[7] >> 8, p[7] & 0xff]);
  if (range === "ipv4Mapped" || range === "rfc6145") return tail();
  // 64:ff9b::/96 is the well-known NAT64 prefix; 64:ff9b:1::/48 (local use) is refused whole below.
  if (range === "rfc6052" && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0) return tail();
  if (range === "6to4") return new ipaddr.IPv4([p[1] >> 8, p[1] & 0xff, p[2] >> 8, p[2] & 0xff]);
  // Deprecated IPv4-compatible form ::a.b.c.d (but not :: and ::1, classified as such).
  if (p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || p[7] > 1)) return tail();
  return null;
}

function describeIPv6(ip: ipaddr.IPv6): string | null {
  const text = ip.toNormalizedString();
  if (CLOUD_METADATA.has(ip.toString())) return "the cloud metadata address";
  const inner = embeddedIPv4(ip);
  if (inner) {
    const reason = describeIPv4(inner);
    return reason ? `${reason} (${inner.toString()} inside an IPv6 address)` : null;
  }
  const range = ip.range();
  if (range !== "unicast") return IPV6_WORDS[range] ?? `a special-purpose address (${range})`;
  // Only global unicast (2000::/3) is reachable on the internet.
  if ((ip.parts[0] & 0xe000) !== 0x2000) return `a non-global address (${text})`;
  return null;
}

/** Why this IP address is refused as a target, or null when it is a public address. */
export function refusalReason(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (!ipaddr.isValid(bare)) return `an unparseable address (${bare})`;
  const ip = ipaddr.parse(bare);
  return ip.kind() === "ipv4" ? describeIPv4(ip as ipaddr.IPv4) : describeIPv6(ip as ipaddr.IPv6);
}

/** A hostname that is an IP literal in any spelling, normalised (127.1, 0x7f.1, 2130706433, [::1]). */
function ipLiteral(hostname: string): string | null {
  const bare = hostname.replace(/^\[|\]$/g, "");
  if (net.isIP(bare)) return bare;
  // The WHATWG URL parser turns decimal, octal and hex IPv4 spellings into dotted quads.
  if (/^[0-9a-fx.]+$/i.test(bare) && /^[0-9]|^0x/i.test(bare)) {
    try {
      const host = new URL(`http://${bare}/`).hostname;
      if (net.isIPv4(host)) return host;
    } catch {
      return null;
    }
  }
  return null;
}

function refuse(host: string, address: string, reason: string): never {
  const via = host === address ? address : `${host} resolves to ${address}`;
  throw new AddressRefusedError(`${via}, ${reason}; ${ALLOW_HINT}`);
}

/** Checks a hostname by name alone (no DNS): IP literals, localhost and metadata names. */
export function checkHostName(hostname: string): void {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const literal = ipLiteral(host);
  if (literal) {
    const reason = refusalReason(literal);
    if (reason) refuse(host, literal, `which is ${reason}`);
    return;
  }
  const name = host.replace(/\.+$/, "");
  if (REFUSED_NAMES.has(name) || name.endsWith(".localhost") || name.endsWith(".internal") || name === "") {
    throw new AddressRefusedError(`${hostname} names this machine or its private network; ${ALLOW_HINT}`);
  }
}

export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemLookup: LookupAll = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/** Refuses when any of the addresses is not public (an attacker's DNS may alternate answers). */
function checkAddresses(hostname: string, addresses: { address: string }[]): void {
  for (const { address } of addresses) {
    const reason = refusalReason(address);
    if (reason) refuse(hostname, address, `which is ${reason}`);
  }
}

class HostLookupError extends Error {
  constructor(
    readonly hostname: string,
    readonly cause: unknown,
  ) {
    const code = (cause as NodeJS.ErrnoException)?.code;
    super(`DNS lookup of ${hostname} failed${code ? ` (${code})` : ""}`);
    this.name = "HostLookupError";
  }
}

/**
 * Save-time check of a URL's host. Throws AddressRefusedError when it is, or
 * resolves to, a refused address; a name that does not resolve throws
 * HostLookupError (callers decide whether that blocks saving).
 */
export async function assertPublicHost(hostname: string, options: { allowPrivate: boolean; lookup?: LookupAll }): Promise<void> {
  if (options.allowPrivate) return;
  checkHostName(hostname);
  if (ipLiteral(hostname)) return;
  let addresses;
  try {
    addresses = await (options.lookup ?? systemLookup)(hostname);
  } catch (e) {
    throw new HostLookupError(hostname, e);
  }
  checkAddresses(hostname, addresses);
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls.connect that refuses private addresses: the check
 * happens on exactly the addresses the socket will connect to.
 */
export function guardedLookup(resolve: LookupAll = systemLookup) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
    resolve(hostname)
      .then((addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        checkAddresses(hostname, wanted);
        if (!wanted.length) {
          const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          err.code = "ENOTFOUND";
          throw err;
        }
        if (options.all) callback(null, wanted);
        else callback(null, wanted[0].address, wanted[0].family);
      })
      .catch((e: NodeJS.ErrnoException) => callback(e, ""));
  };
}
