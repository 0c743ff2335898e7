import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { nkeys } from '@nats-io/transport-node';
import { NatsClient, natsConnectionOptions, type NatsCredentials } from '@switchboard/server';
import { type NatsServerProcess, natsServerProcess } from '@switchboard/testing';

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A private nats-server that knows one user with a password and one nkey user, and no anonymous one. */
describe('NATS connection options against a nats-server with authorization', () => {
  const directory = mkdtempSync(join(tmpdir(), 'sb-nats-auth-'));
  const password = randomBytes(12).toString('hex');
  const nkeyUser = nkeys.createUser();
  let nats: NatsServerProcess;
  const clients: NatsClient[] = [];

  const client = (credentials: NatsCredentials) => {
    const created = new NatsClient({
      url: nats.url,
      name: 'options-test',
      defaultTimeoutMs: 1000,
      namespace: '',
      credentials,
    });
    clients.push(created);
    return created;
  };

  beforeAll(async () => {
    const config = join(directory, 'auth.conf');
    writeFileSync(
      config,
      `authorization { users = [
        { user: "svc", password: $SVC_PASSWORD }
        { nkey: "${nkeyUser.getPublicKey()}" }
      ] }\n`,
    );
    nats = await natsServerProcess({ configFile: config, env: { SVC_PASSWORD: password } });
  });

  afterAll(async () => {
    await Promise.all(clients.map((created) => created.onApplicationShutdown()));
    await nats?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('connects with a user and its password', async () => {
    const sut = client({ user: 'svc', password });
    await sut.connect();
    expect(await sut.ping()).toBeGreaterThanOrEqual(0);
  });

  it('connects with a user nkey seed', async () => {
    const sut = client({ nkeySeed: decode(nkeyUser.getSeed()) });
    await sut.connect();
    expect(await sut.ping()).toBeGreaterThanOrEqual(0);
  });

  it.each([
    ['no credentials', {}],
    ['a wrong password', { user: 'svc', password: 'wrong' }],
    ['an unknown nkey', { nkeySeed: decode(nkeys.createUser().getSeed()) }],
  ])('is refused with %s', async (_, credentials: NatsCredentials) => {
    await expect(client(credentials).connect()).rejects.toThrow(/Authorization Violation/i);
  });
});

describe('natsConnectionOptions', () => {
  it('signs the server nonce with the seed of a credentials file and sends its JWT', () => {
    const directory = mkdtempSync(join(tmpdir(), 'sb-nats-creds-'));
    try {
      const user = nkeys.createUser();
      const file = join(directory, 'service.creds');
      writeFileSync(
        file,
        [
          '-----BEGIN NATS USER JWT-----',
          'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln',
          '------END NATS USER JWT------',
          '',
          '-----BEGIN USER NKEY SEED-----',
          decode(user.getSeed()),
          '------END USER NKEY SEED------',
          '',
        ].join('\n'),
      );
      const options = natsConnectionOptions('nats://127.0.0.1:4222', { credsFile: file }, '_INBOX.hub');
      const authenticator = options.authenticator as (nonce?: string) => { jwt?: string; nkey?: string; sig?: string };
      const auth = authenticator('a-nonce');
      expect(auth.jwt).toBe('eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln');
      expect(auth.nkey).toBe(user.getPublicKey());
      expect(user.verify(new TextEncoder().encode('a-nonce'), Buffer.from(auth.sig!, 'base64url'))).toBe(true);
      expect(options).toMatchObject({ servers: 'nats://127.0.0.1:4222', inboxPrefix: '_INBOX.hub' });
      expect(options.user).toBeUndefined();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('uses TLS with the given CA, and nothing at all without credentials', () => {
    expect(natsConnectionOptions('tls://nats:4222', { tlsCaFile: '/etc/ca.pem' }).tls).toEqual({
      caFile: '/etc/ca.pem',
    });
    expect(natsConnectionOptions('nats://nats:4222')).toEqual({ servers: 'nats://nats:4222' });
  });
});
