/**
 * Where outbound notifications may be sent: public HTTPS targets only. A subscription must not turn the Worker into
 * a probe of networks its caller cannot reach (loopback, cloud metadata, private ranges, internal names), so such
 * URLs are refused when subscribed and again before every delivery (a URL may predate these rules).
 *
 * Literal addresses are judged by value, whatever their spelling: the WHATWG URL parser turns `2130706433`,
 * `0x7f000001`, `0177.0.0.1` and `127.1` into `127.0.0.1` for http(s) URLs, and `numericHostV4` parses those forms
 * again itself so the verdict does not depend on the runtime's parser. IPv4-mapped IPv6 addresses are judged as
 * the IPv4 address they carry. Names are judged as names: whatever a public name resolves to is not known here.
 */
import { LOCAL_HOSTS } from "../lib/hosts";
import { MAX_NOTIFICATION_URL_LENGTH } from "../lib/limits";

/** Why `raw` may not be a notification target (a phrase to follow "url "), or null when it may. */
export function notificationUrlProblem(raw: string, allowHttpLocalhost: boolean): string | null {
  if (raw.length > MAX_NOTIFICATION_URL_LENGTH) return `must be at most ${MAX_NOTIFICATION_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "must be an absolute URL";
  }
  if (url.username || url.password) return "must not contain credentials";
  // With ALLOW_HTTP_LOCALHOST_WEBHOOKS (development only), the local hosts are allowed, over http too.
  if (allowHttpLocalhost && LOCAL_HOSTS.has(url.hostname) && (url.protocol === "http:" || url.protocol === "https:")) return null;
  if (url.protocol !== "https:") {
    return allowHttpLocalhost ? "must use https (or http://localhost / http://127.0.0.1 in development)" : "must use https";
  }
  const rule = forbiddenTarget(url.hostname);
  return rule && `must not point at ${rule}`;
}

/** The rule a URL's host name breaks (e.g. "a loopback address (127.0.0.0/8)"), or null for a public host. */
export function forbiddenTarget(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.+$/, "");
  if (host.startsWith("[")) return forbiddenIpv6(host.slice(1, -1));
  const v4 = numericHostV4(host);
  if (v4 === "invalid") return "a malformed numeric address";
  if (v4 !== null) return forbiddenIpv4(v4);
  return forbiddenName(host);
}

const INTERNAL_SUFFIXES = ["localhost", "local", "internal", "home.arpa"];

function forbiddenName(host: string): string | null {
  if (host === "localhost") return "an internal host name (localhost)";
  const suffix = INTERNAL_SUFFIXES.find((s) => host.endsWith(`.${s}`));
  if (suffix) return `an internal host name (*.${suffix})`;
  if (!host.includes(".")) return "a single-label host name";
  return null;
}

// ----- IPv4

/** Special-purpose ranges (IANA registry) a public webhook receiver never lives in. */
const IPV4_RULES = ipv4Rules([
  ["0.0.0.0", 8, 'a "this network" address (0.0.0.0/8)'],
  ["10.0.0.0", 8, "a private address (10.0.0.0/8)"],
  ["100.64.0.0", 10, "a shared (carrier-grade NAT) address (100.64.0.0/10)"],
  ["127.0.0.0", 8, "a loopback address (127.0.0.0/8)"],
  ["169.254.0.0", 16, "a link-local address (169.254.0.0/16, cloud metadata)"],
  ["172.16.0.0", 12, "a private address (172.16.0.0/12)"],
  ["192.0.0.0", 24, "an IETF protocol address (192.0.0.0/24)"],
  ["192.0.2.0", 24, "a documentation address (192.0.2.0/24)"],
  ["192.88.99.0", 24, "a 6to4 relay address (192.88.99.0/24)"],
  ["192.168.0.0", 16, "a private address (192.168.0.0/16)"],
  ["198.18.0.0", 15, "a benchmarking address (198.18.0.0/15)"],
  ["198.51.100.0", 24, "a documentation address (198.51.100.0/24)"],
  ["203.0.113.0", 24, "a documentation address (203.0.113.0/24)"],
  ["224.0.0.0", 4, "a multicast address (224.0.0.0/4)"],
  ["240.0.0.0", 4, "a reserved or broadcast address (240.0.0.0/4)"],
]);

function ipv4Rules(rules: [base: string, prefix: number, rule: string][]) {
  return rules.map(([base, prefix, rule]) => ({ base: numericHostV4(base) as number, mask: (0xffffffff << (32 - prefix)) >>> 0, rule }));
}

function forbiddenIpv4(address: number): string | null {
  return IPV4_RULES.find(({ base, mask }) => ((address & mask) >>> 0) === base)?.rule ?? null;
}

/**
 * The IPv4 address a host names, read as the WHATWG URL standard reads hosts that end in a number: one to four
 * dot-separated parts, each decimal, octal (leading 0) or hex (0x), the last filling the remaining bytes
 * (`127.1`, `2130706433`, `0x7f.0.0.1`). Null when the host does not end in a number (a name); "invalid" when it
 * does but is no address.
 */
export function numericHostV4(host: string): number | null | "invalid" {
  const parts = host.split(".");
  if (parts.length > 1 && parts.at(-1) === "") parts.pop();
  if (!/^(\d+|0x[0-9a-f]*)$/i.test(parts.at(-1)!)) return null;
  if (parts.length > 4) return "invalid";
  const numbers = parts.map(parseIpv4Part);
  if (numbers.some((n) => n === null)) return "invalid";
  const values = numbers as number[];
  const last = values.pop()!;
  if (values.some((n) => n > 255) || last >= 256 ** (4 - values.length)) return "invalid";
  return values.reduce((sum, n, i) => sum + n * 256 ** (3 - i), 0) + last;
}

function parseIpv4Part(part: string): number | null {
  if (/^0x[0-9a-f]*$/i.test(part)) return part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return Number.parseInt(part, 8);
  if (/^\d+$/.test(part) && !/^0\d/.test(part)) return Number.parseInt(part, 10);
  return null;
}

// ----- IPv6

interface Ipv6Rule {
  base: number[];
  prefix: number;
  rule: string;
}

const ipv6Rule = (base: string, prefix: number, rule: string): Ipv6Rule => ({ base: parseIpv6(base)!, prefix, rule });

const IPV6_RULES = ([
  ["::", 128, "the unspecified address (::)"],
  ["::1", 128, "a loopback address (::1)"],
  ["64:ff9b::", 96, "a NAT64 address (64:ff9b::/96)"],
  ["64:ff9b:1::", 48, "a NAT64 address (64:ff9b:1::/48)"],
  ["100::", 64, "a discard-only address (100::/64)"],
  ["2001::", 32, "a Teredo address (2001::/32)"],
  ["2001:db8::", 32, "a documentation address (2001:db8::/32)"],
  ["2002::", 16, "a 6to4 address (2002::/16)"],
  ["3fff::", 20, "a documentation address (3fff::/20)"],
  ["fc00::", 7, "a unique local (private) address (fc00::/7)"],
  ["fe80::", 10, "a link-local address (fe80::/10)"],
  ["fec0::", 10, "a site-local address (fec0::/10)"],
  ["ff00::", 8, "a multicast address (ff00::/8)"],
] as const).map(([base, prefix, rule]) => ipv6Rule(base, prefix, rule));

/** judged as the IPv4 address it carries */
const IPV4_MAPPED = ipv6Rule("::ffff:0:0", 96, "an IPv4-mapped address");
const GLOBAL_UNICAST = ipv6Rule("2000::", 3, "a non-global IPv6 address (outside 2000::/3)");

function forbiddenIpv6(text: string): string | null {
  const groups = parseIpv6(text);
  if (!groups) return "a malformed IPv6 address";
  if (within(groups, IPV4_MAPPED)) return forbiddenIpv4(groups[6]! * 0x10000 + groups[7]!);
  const match = IPV6_RULES.find((r) => within(groups, r));
  if (match) return match.rule;
  return within(groups, GLOBAL_UNICAST) ? null : GLOBAL_UNICAST.rule;
}

function within(groups: number[], { base, prefix }: Ipv6Rule): boolean {
  for (let bit = 0; bit < prefix; bit += 16) {
    const mask = (0xffff << (16 - Math.min(16, prefix - bit))) & 0xffff;
    if ((groups[bit / 16]! & mask) !== (base[bit / 16]! & mask)) return false;
  }
  return true;
}

/** Eight 16-bit groups, or null. Accepts `::` compression and a trailing dotted IPv4 part. */
export function parseIpv6(text: string): number[] | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (half: string): number[] | null => {
    if (half === "") return [];
    const out: number[] = [];
    const pieces = half.split(":");
    for (const [i, piece] of pieces.entries()) {
      if (i === pieces.length - 1 && piece.includes(".")) {
        // the strict dotted form only (no octal or hex parts), as in the URL standard's IPv6 parser
        const v4 = /^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/.test(piece) ? numericHostV4(piece) : "invalid";
        if (typeof v4 !== "number") return null;
        out.push(Math.floor(v4 / 0x10000), v4 % 0x10000);
      } else if (/^[0-9a-f]{1,4}$/i.test(piece)) {
        out.push(Number.parseInt(piece, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...Array<number>(missing).fill(0), ...tail] : null;
}
