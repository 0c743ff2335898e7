import { OpsServer } from '@switchboard/server';

import { type InstanceHarness, startInstance } from './instance-harness.js';
import { FIXTURE_KEYS } from './workspace-fixture.js';

describe('the operations port (OPS_PORT)', () => {
  let withOps: InstanceHarness;
  let without: InstanceHarness;

  beforeAll(async () => {
    [withOps, without] = await Promise.all([
      startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS, OPS_PORT: '0', OPS_HOST: '127.0.0.1' }),
      startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([withOps?.close(), without?.close()]);
  });

  it('serves /metrics on the ops port only, when one is set', async () => {
    const port = withOps.app.get(OpsServer).port();
    expect(port).toBeGreaterThan(0);
    const ops = `http://127.0.0.1:${port}`;

    const metrics = await fetch(`${ops}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toContain('# TYPE http_request_duration_seconds histogram');
    expect((await fetch(`${ops}/healthz`)).status).toBe(200);
    const elsewhere = await fetch(`${ops}/self`);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.headers.get('content-type')).toBe('application/problem+json');

    const onPublic = await fetch(`${withOps.url}/metrics`);
    expect(onPublic.status).toBe(404);
    expect((await fetch(`${withOps.url}/healthz`)).status).toBe(200);
  });

  it('keeps /metrics on the public port without OPS_PORT', async () => {
    const metrics = await fetch(`${without.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('http_request_duration_seconds');
  });

  it('closes the ops port with the app', async () => {
    const instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS, OPS_PORT: '0', OPS_HOST: '127.0.0.1' });
    const port = instance.app.get(OpsServer).port();
    await instance.close();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});

describe('deploy/grafana/switchboard.json', () => {
  /** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or label values. */
  const metricNames = (expr: string): string[] =>
    [
      ...expr
        .replace(/\{[^}]*\}/g, '')
        .replace(/\b(by|without)\s*\([^)]*\)/g, '')
        .matchAll(/\b([a-z_][a-z0-9_]*)\b(?!\s*\()/g),
    ]
      .map((match) => match[1] as string)
      .filter((name) => !/^\d/.test(name) && !['le'].includes(name));

  it('queries only metrics an instance exports', async () => {
    const { readFile } = await import('node:fs/promises');
    const dashboard = JSON.parse(
      await readFile(new URL('../../../deploy/grafana/switchboard.json', import.meta.url), 'utf8'),
    );
    const exprs: string[] = dashboard.panels.flatMap((panel: { targets: { expr: string }[] }) =>
      panel.targets.map((target) => target.expr),
    );
    expect(exprs.length).toBeGreaterThan(0);
    const instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
    try {
      await fetch(`${instance.url}/healthz`); // one request, so the histogram has series
      const exported = new Set(
        [...(await (await fetch(`${instance.url}/metrics`)).text()).matchAll(/^# TYPE (\S+) (\w+)$/gm)].flatMap(
          (match) => {
            const [name, type] = [match[1] as string, match[2]];
            return type === 'histogram' ? [`${name}_bucket`, `${name}_count`, `${name}_sum`] : [name];
          },
        ),
      );
      const named = exprs.flatMap(metricNames);
      expect(named).toContain('switchboard_db_pool_connections');
      expect(named.filter((name) => !exported.has(name))).toEqual([]);
    } finally {
      await instance.close();
    }
  });
});
