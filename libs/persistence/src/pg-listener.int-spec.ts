import { randomBytes } from 'node:crypto';

import { PgListener } from './pg-listener.js';
import { withClient } from './setup-database.js';

// Set by the jest global setup (test/global-setup.mjs); read directly because a data lib may not import the testing lib.
const adminUrl = () => process.env['SWITCHBOARD_TEST_ADMIN_URL']!;

async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('PgListener', () => {
  const suffix = randomBytes(4).toString('hex');
  const channel = `sbt_listener_${suffix}`;
  const applicationName = `sbt-listener-${suffix}`;
  const payloads: (string | undefined)[] = [];
  let listening = 0;
  let lost = 0;
  const listener = new PgListener({
    url: adminUrl(),
    channel,
    applicationName,
    retryMs: 50,
    onNotification: (payload) => payloads.push(payload),
    onListening: () => listening++,
    onLost: () => lost++,
  });
  const notify = (payload: string) =>
    withClient(adminUrl(), (client) => client.query('SELECT pg_notify($1, $2)', [channel, payload]));

  afterAll(async () => {
    await listener.stop();
  });

  it('delivers notifications, and listens again by itself after its connection is killed', async () => {
    await listener.start();
    expect(listening).toBe(1);
    await notify('first');
    await until('the first notification', () => payloads.includes('first'));

    await withClient(adminUrl(), (client) =>
      client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
        applicationName,
      ]),
    );
    await until('the reconnect', () => listening === 2);
    expect(lost).toBeGreaterThanOrEqual(1);
    await notify('second');
    await until('the notification after the reconnect', () => payloads.includes('second'));
  });

  it('refuses a channel name that is not a plain identifier', () => {
    expect(
      () => new PgListener({ url: adminUrl(), channel: 'x; DROP TABLE y', onNotification: () => undefined }),
    ).toThrow(/not a safe channel name/);
  });
});
