import { isActiveAt } from './tenants.dto.js';

describe('isActiveAt', () => {
  const now = Date.parse('2026-11-29T12:00:00.000Z');
  const daysAgo = (days: number, plusMs = 0) => new Date(now - days * 86_400_000 + plusMs);

  it('is false for a tenant never active', () => {
    expect(isActiveAt(null, now)).toBe(false);
  });

  it('is true up to exactly 30 days back, false one millisecond beyond', () => {
    expect(isActiveAt(new Date(now), now)).toBe(true);
    expect(isActiveAt(daysAgo(29), now)).toBe(true);
    expect(isActiveAt(daysAgo(30), now)).toBe(true);
    expect(isActiveAt(daysAgo(30, -1), now)).toBe(false);
    expect(isActiveAt(daysAgo(365), now)).toBe(false);
  });
});
