import { readFile } from 'node:fs/promises';

import { startHub } from '../../apps/hub/test/hub-harness.js';
import { startInstance } from '../../apps/instance/test/instance-harness.js';
import { FIXTURE_KEYS } from '../../apps/instance/test/workspace-fixture.js';

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

/** Every series name a /metrics text declares (a histogram's as its _bucket, _count and _sum). */
const exportedBy = async (url: string): Promise<Set<string>> => {
  await fetch(`${url}/healthz`); // one request, so the histogram has series
  const text = await (await fetch(`${url}/metrics`)).text();
  return new Set(
    [...text.matchAll(/^# TYPE (\S+) (\w+)$/gm)].flatMap((match) => {
      const [name, type] = [match[1] as string, match[2]];
      return type === 'histogram' ? [`${name}_bucket`, `${name}_count`, `${name}_sum`] : [name];
    }),
  );
};

describe('deploy/grafana/switchboard.json', () => {
  it('queries only metrics an instance or the Hub exports, each panel one service', async () => {
    const dashboard = JSON.parse(
      await readFile(new URL('../../deploy/grafana/switchboard.json', import.meta.url), 'utf8'),
    );
    const panels: { title: string; names: string[] }[] = dashboard.panels.map(
      (panel: { title: string; targets: { expr: string }[] }) => ({
        title: panel.title,
        names: panel.targets.flatMap((target) => metricNames(target.expr)),
      }),
    );
    const [instance, hub] = await Promise.all([startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS }), startHub()]);
    try {
      const [fromInstance, fromHub] = await Promise.all([exportedBy(instance.url), exportedBy(hub.url)]);
      const named = panels.flatMap((panel) => panel.names);
      for (const metric of [
        'switchboard_db_pool_connections',
        'switchboard_event_outbox_depth',
        'switchboard_event_outbox_oldest_pending_seconds',
        'switchboard_event_delivery_failures_total',
        'switchboard_rate_limited_total',
        'switchboard_reconcile_lag_seconds',
        'switchboard_routing_outbox_depth',
        'switchboard_routing_outbox_oldest_pending_seconds',
      ]) {
        expect(named).toContain(metric);
      }
      const unserved = panels
        .filter(({ names }) => !names.every((n) => fromInstance.has(n)) && !names.every((n) => fromHub.has(n)))
        .map(({ title, names }) => `${title}: ${names.join(', ')}`);
      expect(unserved).toEqual([]);
    } finally {
      await Promise.all([instance.close(), hub.close()]);
    }
    // Two services start in this one test (not in hooks): on a loaded two-core machine that alone took over 30 s.
  }, 90_000);
});
