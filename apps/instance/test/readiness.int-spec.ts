import { type NatsServerProcess, natsServerProcess, waitFor } from '@switchboard/testing';

import { type InstanceHarness, json, startInstance } from './instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace } from './workspace-fixture.js';

/** An instance on a NATS server of its own, which the test stops: tenants are still served, and NATS is reported. */
describe('instance readiness depends on Postgres only', () => {
  let nats: NatsServerProcess;
  let instance: InstanceHarness;

  beforeAll(async () => {
    nats = await natsServerProcess(); // started
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS, NATS_URL: nats.url });
  });

  afterAll(async () => {
    await instance?.close();
    await nats?.stop();
  });

  const natsMetric = async () =>
    /^switchboard_nats_connected (\d)$/m.exec(await (await fetch(`${instance.url}/metrics`)).text())?.[1];

  it('stays ready and serves tenants while NATS is down, reporting NATS in /readyz and in a metric', async () => {
    const workspace = await seedWorkspace(instance);
    const token = workspace.tenantToken('steady');
    expect((await instance.request('GET', '/self', { token })).status).toBe(200);
    const before = await fetch(`${instance.url}/readyz`);
    expect(before.status).toBe(200);
    expect(await json(before)).toMatchObject({
      status: 'ok',
      info: { postgres: { status: 'up' }, nats: { status: 'up' } },
    });
    expect(await natsMetric()).toBe('1');

    await nats.stop();
    const down = await waitFor(
      async () => {
        const response = await fetch(`${instance.url}/readyz`);
        const body = await json(response);
        return body.info?.nats?.status === 'down' ? { status: response.status, body } : undefined;
      },
      { what: 'readyz to report NATS down', timeoutMs: 10_000 },
    );
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' }, nats: { status: 'down' } } });
    expect(await natsMetric()).toBe('0');
    const served = await instance.request('GET', '/self', { token });
    expect(served.status).toBe(200);

    await nats.start();
    await waitFor(async () => ((await natsMetric()) === '1' ? true : undefined), {
      what: 'the NATS metric to recover',
      timeoutMs: 15_000,
    });
  });
});
