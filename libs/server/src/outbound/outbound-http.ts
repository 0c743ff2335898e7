import { type LookupAddress, promises as dns } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

import type { OnApplicationShutdown } from '@nestjs/common';
import { Agent, buildConnector, fetch, type RequestInit, type Response } from 'undici';

import type { OutboundPolicy } from './outbound-policy.js';

/** Resolves a host name to every address it has; `dns.promises.lookup` with `all: true` unless a test injects one. */
export type Resolve = (hostname: string, options: { family?: number; hints?: number }) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (hostname, options) =>
  dns.lookup(hostname, { family: options.family ?? 0, hints: options.hints, all: true, order: 'verbatim' });

/**
 * An outbound connection the policy refused: the target is not a public
 * address and no allowed range covers it. `code` is stable for callers that
 * want to tell it from a network failure without matching the message.
 */
export class OutboundConnectionRefused extends Error {
  override name = 'OutboundConnectionRefused';
  readonly code = 'ERR_OUTBOUND_REFUSED';

  constructor(host: string, reason: string) {
    super(`outbound connection to ${host} refused: ${reason}`);
  }
}

/**
 * The HTTP client of every outbound call: `fetch` from undici with a
 * dispatcher whose connector judges the address it is about to connect to
 * with the `OutboundPolicy` — IP literals directly, names after DNS
 * resolution, keeping only the addresses the policy allows (none: the
 * connection fails with `OutboundConnectionRefused`). Because the check runs
 * on the very answer the socket connects to, DNS rebinding between the
 * write-time check and the request changes nothing (API.md, "Trust
 * boundaries" → "Outbound URLs"). Redirects are the caller's to refuse
 * (`redirect: 'manual'`): a followed redirect goes through the same check.
 */
export class OutboundHttp implements OnApplicationShutdown {
  private readonly dispatcher: Agent;

  constructor(
    private readonly policy: OutboundPolicy,
    options: { resolve?: Resolve } = {},
  ) {
    const lookup = guardedLookup(policy, options.resolve ?? systemResolve);
    const connect = buildConnector({ lookup });
    this.dispatcher = new Agent({
      connect: (connectOptions, callback) => {
        const { hostname } = connectOptions;
        if (isIP(hostname) !== 0) {
          const refusal = policy.refusalOf(hostname);
          if (refusal !== undefined) return callback(new OutboundConnectionRefused(hostname, refusal), null);
        }
        return connect(connectOptions, callback);
      },
    });
  }

  /**
   * `fetch(url, init)` through the guarded dispatcher. Rejects like fetch
   * does ("fetch failed", the reason in `cause`): with an
   * `OutboundConnectionRefused` cause when the policy refused the address,
   * or at once when `url` is not `http:`/`https:`.
   */
  async fetch(url: string, init: Omit<RequestInit, 'dispatcher'> = {}): Promise<Response> {
    const protocol = new URL(url).protocol;
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw new OutboundConnectionRefused(url, `${protocol} is not http: or https:`);
    }
    return fetch(url, { ...init, dispatcher: this.dispatcher });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.dispatcher.close();
  }
}

/**
 * A `net` lookup that resolves every address of the name and hands the
 * socket only those the policy allows, in the shape asked for (`all` when
 * Node races address families, RFC 8305).
 */
function guardedLookup(policy: OutboundPolicy, resolve: Resolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { family: familyOf(options.family), hints: options.hints }).then(
      (addresses) => {
        const allowed = addresses.filter((entry) => policy.refusalOf(entry.address) === undefined);
        const [first] = allowed;
        if (first === undefined) {
          const reasons = addresses.map((entry) => policy.refusalOf(entry.address)).join('; ');
          callback(new OutboundConnectionRefused(hostname, reasons || 'it resolves to no address'), '');
        } else if (options.all) {
          callback(null, allowed);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

/** `dns.lookup`'s family option as a number: 4, 6, or 0 for either. */
function familyOf(family: number | 'IPv4' | 'IPv6' | undefined): number {
  if (family === 'IPv4') return 4;
  if (family === 'IPv6') return 6;
  return family ?? 0;
}
