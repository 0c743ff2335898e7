import ipaddr from 'ipaddr.js';

/*
 * One client's share of what the gateway holds for request bodies (the way
 * nginx's `limit_conn` keyed by `$binary_remote_addr` does): the held bytes
 * (HeldBytes) and the streamed bodies (StreamedBodies) are each a budget for
 * the whole gateway, and without a share one client could take all of either
 * and have every other client's writes refused (`503 gateway_busy`). A client
 * is its address (clientKeyOf); past its share it is answered `429
 * rate_limited`, and the whole-gateway `503` stays for when the budget itself
 * is taken by many clients.
 */

/**
 * The key one client's share is counted under, from its address (the TCP
 * peer's, or the one a trusted proxy named in X-Forwarded-For): an IPv4
 * address as it is (`203.0.113.7`), an IPv4-mapped IPv6 one as its IPv4
 * address (`::ffff:203.0.113.7` → `203.0.113.7`), any other IPv6 address as
 * its /64 (`2001:db8:1:2:a:b:c:d` → `2001:db8:1:2::/64`), since one host
 * usually holds a whole /64 (RFC 6177 §2, RFC 7421) and could otherwise use a
 * new address per connection. Parsed with ipaddr.js. A string that is no
 * address (a proxy's malformed X-Forwarded-For entry) is its own key, cut to
 * 64 characters.
 */
export function clientKeyOf(address: string): string {
  // No colon: IPv4 (as Node writes a peer's address), kept as it is. ipaddr.js's parsers throw on what they
  // refuse, which costs far more than the parse: each is asked only what it may well accept.
  if (!address.includes(':')) return ipaddr.IPv4.isValidFourPartDecimal(address) ? address : address.slice(0, 64);
  let parsed: ipaddr.IPv6;
  try {
    parsed = ipaddr.IPv6.parse(address);
  } catch {
    return address.slice(0, 64);
  }
  if (parsed.isIPv4MappedAddress()) return parsed.toIPv4Address().toString();
  const [first = 0, second = 0, third = 0, fourth = 0] = parsed.parts;
  return `${new ipaddr.IPv6([first, second, third, fourth, 0, 0, 0, 0]).toString()}/64`;
}

/** What one client holds now: bytes of request bodies, and bodies being streamed. */
interface Holding {
  bytes: number;
  streams: number;
}

/**
 * What each client (clientKeyOf) holds of the gateway's request-body budgets,
 * within its share: at most `bytesPerClient` held bytes and `streamsPerClient`
 * streamed bodies at once. A client that holds nothing has no entry, so the
 * map is as large as the clients holding something now (each holds at least
 * one open request), never more.
 */
export class ClientShares {
  private readonly holdings = new Map<string, Holding>();

  constructor(
    readonly bytesPerClient: number,
    readonly streamsPerClient: number,
  ) {}

  /** How many clients hold something now. */
  get clients(): number {
    return this.holdings.size;
  }

  /** The bytes and streamed bodies `client` holds now (zero for one with no entry). */
  holdingOf(client: string): Holding {
    const holding = this.holdings.get(client);
    return { bytes: holding?.bytes ?? 0, streams: holding?.streams ?? 0 };
  }

  /** Reserves `bytes` for `client`; false, reserving nothing, when that would go over its share. */
  reserveBytes(client: string, bytes: number): boolean {
    if (bytes <= 0) return true;
    const holding = this.holdings.get(client);
    if (holding === undefined) {
      if (bytes > this.bytesPerClient) return false;
      this.holdings.set(client, { bytes, streams: 0 });
      return true;
    }
    if (holding.bytes + bytes > this.bytesPerClient) return false;
    holding.bytes += bytes;
    return true;
  }

  /** Gives back `bytes` reserved before by reserveBytes. */
  releaseBytes(client: string, bytes: number): void {
    const holding = this.holdings.get(client);
    if (holding === undefined) return;
    holding.bytes = Math.max(0, holding.bytes - bytes);
    this.forgetIfEmpty(client, holding);
  }

  /** Takes a place for one streamed body of `client`; false (taking none) when it has all of its share. */
  acquireStream(client: string): boolean {
    const holding = this.holdings.get(client);
    if (holding === undefined) {
      if (this.streamsPerClient < 1) return false;
      this.holdings.set(client, { bytes: 0, streams: 1 });
      return true;
    }
    if (holding.streams >= this.streamsPerClient) return false;
    holding.streams += 1;
    return true;
  }

  /** Gives back a place taken by acquireStream. */
  releaseStream(client: string): void {
    const holding = this.holdings.get(client);
    if (holding === undefined) return;
    holding.streams = Math.max(0, holding.streams - 1);
    this.forgetIfEmpty(client, holding);
  }

  private forgetIfEmpty(client: string, holding: Holding): void {
    if (holding.bytes === 0 && holding.streams === 0) this.holdings.delete(client);
  }
}
