import { clientKeyOf, ClientShares } from './client-shares.js';

describe('clientKeyOf', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['127.0.0.2', '127.0.0.2'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:127.0.0.1', '127.0.0.1'],
    ['2001:db8:1:2:a:b:c:d', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8::/64'],
    ['::1', '::/64'],
    ['fe80::1%eth0', 'fe80::/64'],
  ])('keys %s as %s', (address, key) => {
    expect(clientKeyOf(address)).toBe(key);
  });

  it('puts two addresses of one IPv6 /64 under one key, and of two /64s under two', () => {
    expect(clientKeyOf('2001:db8:1:2::1')).toBe(clientKeyOf('2001:db8:1:2:ffff::9'));
    expect(clientKeyOf('2001:db8:1:2::1')).not.toBe(clientKeyOf('2001:db8:1:3::1'));
  });

  it('keys what is no address as itself, cut to 64 characters', () => {
    expect(clientKeyOf('unknown')).toBe('unknown');
    expect(clientKeyOf('x'.repeat(100))).toBe('x'.repeat(64));
    expect(clientKeyOf('')).toBe('');
  });
});

describe('ClientShares', () => {
  it('gives each client at most its share of held bytes, whatever the others hold', () => {
    const sut = new ClientShares(100, 1);
    expect(sut.reserveBytes('a', 60)).toBe(true);
    expect(sut.reserveBytes('a', 41)).toBe(false);
    expect(sut.reserveBytes('a', 40)).toBe(true);
    expect(sut.reserveBytes('b', 100)).toBe(true);
    expect(sut.reserveBytes('c', 101)).toBe(false);
    expect([sut.holdingOf('a'), sut.clients]).toEqual([{ bytes: 100, streams: 0 }, 2]);
  });

  it('gives each client at most its share of streamed bodies', () => {
    const sut = new ClientShares(100, 2);
    expect([sut.acquireStream('a'), sut.acquireStream('a'), sut.acquireStream('a'), sut.acquireStream('b')]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    sut.releaseStream('a');
    expect(sut.acquireStream('a')).toBe(true);
  });

  it('keeps no entry for a client that holds nothing (released, or refused)', () => {
    const sut = new ClientShares(100, 1);
    expect(sut.reserveBytes('refused', 101)).toBe(false);
    expect(sut.reserveBytes('empty', 0)).toBe(true);
    expect(sut.clients).toBe(0);
    sut.reserveBytes('a', 50);
    sut.acquireStream('a');
    sut.releaseBytes('a', 50);
    expect(sut.clients).toBe(1);
    sut.releaseStream('a');
    expect(sut.clients).toBe(0);
    // A release with nothing held changes nothing.
    sut.releaseBytes('a', 10);
    sut.releaseStream('a');
    expect([sut.clients, sut.holdingOf('a')]).toEqual([0, { bytes: 0, streams: 0 }]);
  });
});
