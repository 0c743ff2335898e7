import { jest } from '@jest/globals';
import { MetricsRegistry } from '@switchboard/server';

import { ReconcileMetrics } from './reconcile-metrics.js';

describe('ReconcileMetrics', () => {
  const value = async (registry: MetricsRegistry, name: string): Promise<number> => {
    const metric = registry.getSingleMetric(name);
    if (!metric) throw new Error(`${name} is not registered`);
    const [sample] = (await metric.get()).values;
    return sample?.value ?? Number.NaN;
  };

  it('reports the time since start before any reconciliation, then the time since the last one', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    try {
      const registry = new MetricsRegistry();
      const metrics = new ReconcileMetrics(registry);
      jest.setSystemTime(new Date('2026-01-01T00:01:30Z'));
      expect(await value(registry, 'switchboard_reconcile_lag_seconds')).toBe(90);
      expect(await value(registry, 'switchboard_reconcile_last_success_timestamp_seconds')).toBe(0);

      metrics.succeeded();
      jest.setSystemTime(new Date('2026-01-01T00:01:42Z'));
      expect(await value(registry, 'switchboard_reconcile_lag_seconds')).toBe(12);
      expect(await value(registry, 'switchboard_reconcile_last_success_timestamp_seconds')).toBe(
        Date.parse('2026-01-01T00:01:30Z') / 1000,
      );
    } finally {
      jest.useRealTimers();
    }
  });
});
