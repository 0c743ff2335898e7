import { spawnSync } from 'node:child_process';

/** Configuration is validated once at boot; a bad variable stops the process with a sentence naming it. */
describe('service boot with bad configuration', () => {
  const run = (script: string, env: Record<string, string>) =>
    spawnSync(process.execPath, [script], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });

  it('the Hub names a missing DATABASE_URL and exits non-zero', () => {
    const result = run('apps/hub/dist/main.js', { ENCRYPTION_KEYS: 'v1:' + Buffer.alloc(32).toString('base64') });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/DATABASE_URL is required or malformed \(it is not set\)/);
  });

  it('an instance names a malformed INSTANCE_PORT and a missing INSTANCE_ID', () => {
    const result = run('apps/instance/dist/main.js', {
      INSTANCE_PORT: 'eighty',
      INSTANCE_API_URL: 'http://localhost:8081',
      DATABASE_URL: 'postgres://app@127.0.0.1:5432/x',
      ENCRYPTION_KEYS: 'v1:' + Buffer.alloc(32).toString('base64'),
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/INSTANCE_PORT is required or malformed \(its value is not valid\)/);
    expect(result.stderr).toMatch(/INSTANCE_ID is required or malformed \(it is not set\)/);
  });

  it('the Hub names a missing or malformed HUB_SIGNING_KEY: it signs nothing without one', () => {
    const env = {
      DATABASE_URL: 'postgres://app@127.0.0.1:5432/x',
      ENCRYPTION_KEYS: 'v1:' + Buffer.alloc(32).toString('base64'),
    };
    const missing = run('apps/hub/dist/main.js', env);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/HUB_SIGNING_KEY is required or malformed \(it is not set\)/);
    const malformed = run('apps/hub/dist/main.js', { ...env, HUB_SIGNING_KEY: Buffer.alloc(16).toString('base64') });
    expect(malformed.status).not.toBe(0);
    expect(malformed.stderr).toMatch(/HUB_SIGNING_KEY is required or malformed \(its value is not valid\)/);
  });

  it('an instance names a missing or malformed HUB_PUBLIC_KEY: it applies nothing it cannot verify', () => {
    const env = {
      INSTANCE_ID: 'instance-a',
      INSTANCE_API_URL: 'http://localhost:8081',
      DATABASE_URL: 'postgres://app@127.0.0.1:5432/x',
      ENCRYPTION_KEYS: 'v1:' + Buffer.alloc(32).toString('base64'),
    };
    const missing = run('apps/instance/dist/main.js', env);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/HUB_PUBLIC_KEY is required or malformed \(it is not set\)/);
    const malformed = run('apps/instance/dist/main.js', { ...env, HUB_PUBLIC_KEY: 'not-a-key,' });
    expect(malformed.status).not.toBe(0);
    expect(malformed.stderr).toMatch(/HUB_PUBLIC_KEY is required or malformed \(its value is not valid\)/);
  });

  it('npm start says how to start Postgres and NATS when they cannot be reached, and exits non-zero', () => {
    const result = run('scripts/start-dev.mjs', { PGPORT: '1', NATS_URL: 'nats://127.0.0.1:1' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/Postgres is not reachable on 127\.0\.0\.1:1\. Start it: pg_ctlcluster/);
    expect(result.stderr).toMatch(/NATS is not reachable at nats:\/\/127\.0\.0\.1:1\. Start it: .*nats-server/);
  });
});
