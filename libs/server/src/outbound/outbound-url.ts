import { isIPv4 } from 'node:net';

import { DomainException } from '../errors/domain.exception.js';
import type { OutboundPolicy } from './outbound-policy.js';

/**
 * Names that reach the service's own host or a cloud metadata endpoint
 * whatever DNS says: GCP (`metadata.google.internal`, `metadata.goog`,
 * `metadata`), AWS (`instance-data`, `instance-data.ec2.internal`).
 */
const METADATA_NAMES = new Set(['metadata', 'metadata.goog', 'metadata.google.internal', 'instance-data']);

/**
 * Special-use domains that never name a public host: `.internal` (ICANN's
 * private-use TLD, GCP and AWS internal DNS), `.local` (mDNS, RFC 6762),
 * `.home.arpa` (RFC 8375). `localhost` is handled apart (RFC 6761).
 */
const PRIVATE_SUFFIXES = ['.internal', '.local', '.home.arpa'];

/** RFC 6761 §6.3: `localhost` and every name under it are loopback. */
const LOOPBACK_ADDRESSES = ['127.0.0.1', '::1'];

/**
 * Why `url` must not be an outbound target, or undefined when it may be
 * stored: an absolute `http:`/`https:` URL without user-info whose host is a
 * public IP literal in canonical form or a name that is not local, internal
 * or a cloud metadata name. The address a name resolves to is judged when
 * connecting (see `OutboundHttp`), since DNS can change after this check.
 *
 * Both the raw input and the WHATWG-parsed host are looked at: the parser
 * turns `http://2130706433/`, `http://0x7f000001/`, `http://0177.0.0.1/` and
 * `http://127.1/` into `127.0.0.1`, and other parsers (curl, a receiver's
 * proxy) may read such forms differently, so any non-canonical numeric host
 * is refused even when it denotes a public address.
 */
export function outboundUrlRefusal(url: string, policy: OutboundPolicy): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not an absolute URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `uses ${parsed.protocol} — only http: and https: are allowed`;
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return 'carries user-info (user@host): the host a reader sees is not always the one connected to';
  }
  const host = parsed.hostname;
  if (host.startsWith('[')) {
    const refusal = policy.refusalOf(host);
    return refusal === undefined ? undefined : `host ${refusal}`;
  }
  if (isIPv4(host)) {
    const raw = rawHost(url);
    if (raw !== host) return `host ${raw ?? host} is a non-canonical numeric form of ${host}`;
    const refusal = policy.refusalOf(host);
    return refusal === undefined ? undefined : `host ${refusal}`;
  }
  const name = host.replace(/\.+$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) {
    return LOOPBACK_ADDRESSES.some((address) => policy.refusalOf(address) === undefined)
      ? undefined
      : `host ${name} is a loopback name (RFC 6761)`;
  }
  if (METADATA_NAMES.has(name) || name.startsWith('instance-data.')) {
    return `host ${name} is a cloud metadata name`;
  }
  const suffix = PRIVATE_SUFFIXES.find((candidate) => name.endsWith(candidate));
  if (suffix) return `host ${name} is under ${suffix}, which never names a public host`;
  return undefined;
}

/**
 * Throws `400 outbound_url_refused` naming `field` when `url` may not be an
 * outbound target (see `outboundUrlRefusal`); the write-time check of every
 * stored outbound URL (API.md, "Trust boundaries" → "Outbound URLs").
 */
export function assertOutboundUrl(url: string, policy: OutboundPolicy, field: string): void {
  const refusal = outboundUrlRefusal(url, policy);
  if (refusal !== undefined) throw DomainException.outboundUrlRefused(field, refusal);
}

/**
 * The host as written in the input, lowercased, without user-info, port or
 * brackets; undefined when the input has no `scheme:` authority to read.
 * WHATWG accepts `http:\\host` and `http:host` for special schemes, hence
 * the loose separator.
 */
function rawHost(url: string): string | undefined {
  const authority = /^\s*[a-z][a-z0-9+.-]*:[\\/]*([^/?#\\]*)/i.exec(url)?.[1];
  if (authority === undefined) return undefined;
  const hostAndPort = authority.slice(authority.lastIndexOf('@') + 1).toLowerCase();
  return hostAndPort.replace(/:[0-9]*$/, '');
}
