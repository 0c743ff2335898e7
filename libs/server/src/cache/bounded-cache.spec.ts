import { BoundedCache } from './bounded-cache.js';

describe('BoundedCache', () => {
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('returns what was set while its age is at most the TTL, then nothing', () => {
    const sut = new BoundedCache<string, number>({ max: 10, ttlMs: 1000, now: clock });
    sut.set('a', 1);
    now += 1000;
    expect(sut.get('a')).toBe(1);
    now += 1;
    expect(sut.get('a')).toBeUndefined();
  });

  it('keeps an entry no longer than a shorter per-entry TTL, and never longer than the cache TTL', () => {
    const sut = new BoundedCache<string, number>({ max: 10, ttlMs: 1000, now: clock });
    sut.set('short', 1, 100);
    sut.set('long', 2, 60_000);
    now += 100;
    expect(sut.get('short')).toBe(1);
    now += 1;
    expect(sut.get('short')).toBeUndefined();
    now += 899;
    expect(sut.get('long')).toBe(2);
    now += 1;
    expect(sut.get('long')).toBeUndefined();
  });

  it('stores nothing, and drops the old value, for a TTL already past', () => {
    const sut = new BoundedCache<string, number>({ max: 10, ttlMs: 1000, now: clock });
    sut.set('a', 1);
    sut.set('a', 2, 0);
    expect(sut.get('a')).toBeUndefined();
    sut.set('b', 3, -5);
    expect(sut.get('b')).toBeUndefined();
  });

  it('holds at most max entries, evicting the least recently used', () => {
    const sut = new BoundedCache<string, number>({ max: 2, ttlMs: 1000, now: clock });
    sut.set('a', 1);
    sut.set('b', 2);
    expect(sut.get('a')).toBe(1); // a is now more recent than b
    sut.set('c', 3);
    expect(sut.get('b')).toBeUndefined();
    expect(sut.get('a')).toBe(1);
    expect(sut.get('c')).toBe(3);
  });

  it('remembers null (something that does not exist) apart from a miss', () => {
    const sut = new BoundedCache<string, string | null>({ max: 10, ttlMs: 1000, now: clock });
    sut.set('missing', null);
    expect(sut.get('missing')).toBeNull();
    expect(sut.get('never-set')).toBeUndefined();
  });

  it('forgets one entry with delete and all with clear', () => {
    const sut = new BoundedCache<string, number>({ max: 10, ttlMs: 1000, now: clock });
    sut.set('a', 1);
    sut.set('b', 2);
    sut.delete('a');
    expect(sut.get('a')).toBeUndefined();
    expect(sut.get('b')).toBe(2);
    sut.clear();
    expect(sut.get('b')).toBeUndefined();
  });

  it('refuses a size or TTL that would not bound it', () => {
    expect(() => new BoundedCache({ max: 0, ttlMs: 1000 })).toThrow(RangeError);
    expect(() => new BoundedCache({ max: 1.5, ttlMs: 1000 })).toThrow(RangeError);
    expect(() => new BoundedCache({ max: 10, ttlMs: 0 })).toThrow(RangeError);
    expect(() => new BoundedCache({ max: 10, ttlMs: Number.NaN })).toThrow(RangeError);
  });
});
