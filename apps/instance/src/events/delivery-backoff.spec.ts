import { deliveryBackoffMs } from './delivery-backoff.js';

describe('deliveryBackoffMs', () => {
  it('doubles per attempt within jitter, and never passes the cap', () => {
    for (let i = 0; i < 200; i++) {
      expect(deliveryBackoffMs(1, 100, 10_000)).toBeGreaterThanOrEqual(50);
      expect(deliveryBackoffMs(1, 100, 10_000)).toBeLessThanOrEqual(100);
      expect(deliveryBackoffMs(4, 100, 10_000)).toBeGreaterThanOrEqual(400);
      expect(deliveryBackoffMs(4, 100, 10_000)).toBeLessThanOrEqual(800);
      expect(deliveryBackoffMs(1000, 100, 10_000)).toBeLessThanOrEqual(10_000);
      expect(deliveryBackoffMs(1000, 100, 10_000)).toBeGreaterThanOrEqual(5000);
    }
  });
});
