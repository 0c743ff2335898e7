import { readFileSync } from 'node:fs';

import { credsAuthenticator, nkeyAuthenticator } from '@nats-io/transport-node';
import type { NatsCredentials } from '@switchboard/config';

/** The connection options nats.js and Nest's NATS transport share (`connect()` options of @nats-io/transport-node). */
export interface NatsConnectionOptions {
  servers: string;
  name?: string;
  user?: string;
  pass?: string;
  authenticator?: ReturnType<typeof credsAuthenticator>;
  tls?: { caFile: string };
  /**
   * Where replies to this connection's requests go: `<prefix>.<nuid>`. Nest's
   * ClientNats reads it too (`createInbox(options.inboxPrefix)`), so a NATS
   * user may be allowed to subscribe to its own replies only.
   */
  inboxPrefix?: string;
}

export type { NatsCredentials };

/**
 * Connection options for one service: the server URL(s), its credentials
 * (NATS docs, "Authentication": user/password, nkeys, JWT credentials files)
 * and its reply inbox prefix. Reads the credentials file when called.
 *
 * @throws Error when NATS_CREDS_FILE cannot be read (checked at boot already).
 */
export function natsConnectionOptions(
  url: string,
  credentials: NatsCredentials = {},
  inboxPrefix?: string,
): NatsConnectionOptions {
  const options: NatsConnectionOptions = { servers: url };
  if (inboxPrefix) options.inboxPrefix = inboxPrefix;
  if (credentials.user !== undefined) {
    options.user = credentials.user;
    options.pass = credentials.password;
  } else if (credentials.credsFile !== undefined) {
    options.authenticator = credsAuthenticator(readFileSync(credentials.credsFile));
  } else if (credentials.nkeySeed !== undefined) {
    options.authenticator = nkeyAuthenticator(new TextEncoder().encode(credentials.nkeySeed));
  }
  if (credentials.tlsCaFile !== undefined) options.tls = { caFile: credentials.tlsCaFile };
  return options;
}
