import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];

/**
 * Why ipaddr.js's named ranges are refused (API.md, "Trust boundaries" →
 * "Outbound URLs"): anything but a public unicast address may reach the
 * service's own host, its private network or a cloud metadata endpoint.
 * Keyed by the names `IPv4#range()` / `IPv6#range()` return; a range missing
 * here and not `unicast` is refused as "reserved".
 */
const RANGE_REASONS: Record<string, string> = {
  unspecified: 'an unspecified address',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address (169.254.0.0/16, fe80::/10; cloud metadata lives there)',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10, RFC 6598)',
  private: 'a private address (RFC 1918)',
  uniqueLocal: 'a unique local address (fc00::/7, RFC 4193)',
  reserved: 'a reserved address',
  ipv4Mapped: 'an IPv4-mapped IPv6 address (::ffff:0:0/96)',
  rfc6145: 'an IPv4-translated IPv6 address (RFC 6145)',
  teredo: 'a Teredo address (2001::/32)',
  deprecatedSiteLocal: 'a site-local address (fec0::/10)',
};

/**
 * IPv6 forms that embed an IPv4 address (NAT64, RFC 6052; 6to4, RFC 3056):
 * public when the embedded address is, so that translation gateways keep
 * working, refused otherwise — `64:ff9b::7f00:1` is 127.0.0.1 behind NAT64.
 */
const EMBEDS_IPV4: Record<string, (address: ipaddr.IPv6) => ipaddr.IPv4> = {
  rfc6052: (address) => ipaddr.fromByteArray(address.toByteArray().slice(12)) as ipaddr.IPv4,
  '6to4': (address) => ipaddr.fromByteArray(address.toByteArray().slice(2, 6)) as ipaddr.IPv4,
};

/** `::/96` other than `::` and `::1`: the deprecated IPv4-compatible form (RFC 4291 §2.5.5.1), e.g. `::127.0.0.1`. */
const IPV4_COMPATIBLE: Cidr = [ipaddr.parse('::'), 96];

/**
 * Which network addresses outbound calls (webhooks and every later outbound
 * call) may reach: public unicast only, unless an operator allows a range
 * with `OUTBOUND_ALLOWED_CIDRS` (e.g. `127.0.0.0/8` for local development).
 * The classification is ipaddr.js's (IANA special-purpose registries,
 * RFC 6890), not hand-written ranges.
 */
export class OutboundPolicy {
  private constructor(private readonly allowed: readonly Cidr[]) {}

  /**
   * Parses `OUTBOUND_ALLOWED_CIDRS`: comma-separated CIDRs (`127.0.0.0/8,::1/128`),
   * empty for none. Throws an Error naming the first entry that is not a CIDR.
   */
  static fromAllowedCidrs(list: string): OutboundPolicy {
    return new OutboundPolicy(parseCidrList(list));
  }

  /** The allowed ranges, as given (normalised), for messages and logs. */
  get allowedCidrs(): string[] {
    return this.allowed.map(([address, bits]) => `${address.toString()}/${bits}`);
  }

  /**
   * Why an outbound call must not reach `address` (an IPv4 or IPv6 literal,
   * brackets and zone allowed), or undefined when it may: a public unicast
   * address, or one inside an allowed range. An IPv4-mapped IPv6 address is
   * judged as the IPv4 address it maps (the kernel connects there), and is
   * refused as a form even when that one is public.
   */
  refusalOf(address: string): string | undefined {
    const literal = address.replace(/^\[|\]$/g, '');
    const canonical = canonicalIp(literal);
    if (canonical === undefined) return `${address} is not an IP address`;
    let parsed: Address = ipaddr.parse(canonical);
    const mapped = parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress();
    if (mapped) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    if (this.isAllowed(parsed)) return undefined;
    const shown = parsed.toString();
    if (mapped) return `${literal} is ${RANGE_REASONS['ipv4Mapped']} of ${shown}`;
    const reason = classify(parsed);
    return reason === undefined ? undefined : `${shown} is ${reason}`;
  }

  private isAllowed(address: Address): boolean {
    return this.allowed.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
  }
}

/**
 * The address in the form ipaddr.js reads right, or undefined when it is not
 * one. IPv6 goes through the WHATWG parser first (zone dropped: it does not
 * change the class): ipaddr.js reads `::127.0.0.1` as `::ffff:7f00:1`, the
 * WHATWG parser (and the kernel) as `::7f00:1`.
 */
function canonicalIp(literal: string): string | undefined {
  if (!ipaddr.isValid(literal)) return undefined;
  if (!literal.includes(':')) return literal;
  try {
    return new URL(`http://[${literal.replace(/%.*$/, '')}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/** The reason a non-public address is refused, undefined for public unicast. */
function classify(address: Address): string | undefined {
  const range = address.range();
  if (range === 'unicast') {
    if (address.kind() === 'ipv6' && address.match(IPV4_COMPATIBLE)) {
      return 'an IPv4-compatible IPv6 address (::/96, deprecated by RFC 4291)';
    }
    return undefined;
  }
  const embedded = EMBEDS_IPV4[range];
  if (embedded) {
    const inner = embedded(address as ipaddr.IPv6);
    const reason = classify(inner);
    return reason === undefined ? undefined : `an IPv6 address embedding ${inner.toString()}, ${reason}`;
  }
  return RANGE_REASONS[range] ?? `a reserved address (${range})`;
}

/**
 * `a/n,b/m` → parsed CIDRs; blanks around entries are ignored, an empty list
 * is none. Throws an Error naming the bad entry. Shared with the boot-time
 * validation of `OUTBOUND_ALLOWED_CIDRS`, so both accept the same strings.
 */
export function parseCidrList(list: string): Cidr[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      try {
        return ipaddr.parseCIDR(entry);
      } catch {
        throw new Error(`"${entry}" is not a CIDR range such as 127.0.0.0/8 or ::1/128`);
      }
    });
}
