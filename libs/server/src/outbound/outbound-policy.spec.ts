import { OutboundPolicy, parseCidrList } from './outbound-policy.js';

describe('OutboundPolicy', () => {
  const sut = OutboundPolicy.fromAllowedCidrs('');

  it.each([
    ['93.184.215.14', 'IPv4 public'],
    ['8.8.8.8', 'IPv4 public'],
    ['2606:4700:4700::1111', 'IPv6 public'],
    ['[2001:4860:4860::8888]', 'IPv6 public, bracketed'],
    ['64:ff9b::808:808', 'NAT64 of a public IPv4 (8.8.8.8)'],
    ['2002:808:808::1', '6to4 of a public IPv4 (8.8.8.8)'],
  ])('allows %s (%s)', (address) => {
    expect(sut.refusalOf(address)).toBeUndefined();
  });

  it.each([
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['::1', /loopback/],
    ['10.1.2.3', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['fc00::1', /unique local/],
    ['fd12:3456::1', /unique local/],
    ['169.254.169.254', /link-local/],
    ['169.254.0.1', /link-local/],
    ['fe80::1', /link-local/],
    ['fe80::1%eth0', /link-local/],
    ['fd00:ec2::254', /unique local/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.254', /carrier-grade NAT/],
    ['100.100.100.200', /carrier-grade NAT/],
    ['224.0.0.1', /multicast/],
    ['239.255.255.250', /multicast/],
    ['ff02::1', /multicast/],
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /unspecified/],
    ['::', /unspecified/],
    ['255.255.255.255', /broadcast/],
    ['192.0.0.192', /reserved/],
    ['192.0.2.1', /reserved/],
    ['198.18.0.1', /reserved/],
    ['198.51.100.1', /reserved/],
    ['203.0.113.1', /reserved/],
    ['240.0.0.1', /reserved/],
    ['2001:db8::1', /reserved/],
    ['::ffff:127.0.0.1', /IPv4-mapped .* of 127\.0\.0\.1/],
    ['::ffff:7f00:1', /IPv4-mapped .* of 127\.0\.0\.1/],
    ['::ffff:8.8.8.8', /IPv4-mapped/],
    ['::ffff:169.254.169.254', /IPv4-mapped/],
    ['::127.0.0.1', /IPv4-compatible/],
    ['::7f00:1', /IPv4-compatible/],
    ['::a01:203', /IPv4-compatible/],
    ['64:ff9b::7f00:1', /embedding 127\.0\.0\.1, a loopback/],
    ['64:ff9b::a9fe:a9fe', /embedding 169\.254\.169\.254, a link-local/],
    ['2002:7f00:1::', /embedding 127\.0\.0\.1, a loopback/],
    ['2002:a01:203::1', /embedding 10\.1\.2\.3, a private/],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /Teredo/],
    ['fec0::1', /site-local/],
    ['100::1', /reserved/],
  ])('refuses %s', (address, reason) => {
    expect(sut.refusalOf(address)).toMatch(reason);
  });

  it('refuses what is not an IP address', () => {
    expect(sut.refusalOf('example.com')).toMatch(/not an IP address/);
  });

  it('lets an allowed range through, and only that range', () => {
    const dev = OutboundPolicy.fromAllowedCidrs(' 127.0.0.0/8 , ::1/128,10.20.0.0/16');
    expect(dev.allowedCidrs).toEqual(['127.0.0.0/8', '::1/128', '10.20.0.0/16']);
    for (const address of ['127.0.0.1', '127.9.9.9', '::1', '10.20.30.40', '::ffff:127.0.0.1']) {
      expect(dev.refusalOf(address)).toBeUndefined();
    }
    for (const address of ['10.21.0.1', '192.168.1.1', '169.254.169.254', '::2', 'fe80::1']) {
      expect(dev.refusalOf(address)).toBeDefined();
    }
  });

  it('never matches an IPv4 range against an IPv6 address or the other way round', () => {
    const v6Only = OutboundPolicy.fromAllowedCidrs('::/0');
    expect(v6Only.refusalOf('127.0.0.1')).toMatch(/loopback/);
    const v4Only = OutboundPolicy.fromAllowedCidrs('0.0.0.0/0');
    expect(v4Only.refusalOf('::1')).toMatch(/loopback/);
  });

  it('names a malformed range', () => {
    expect(parseCidrList('')).toEqual([]);
    expect(() => OutboundPolicy.fromAllowedCidrs('127.0.0.0/8,localhost')).toThrow(/"localhost" is not a CIDR/);
    expect(() => OutboundPolicy.fromAllowedCidrs('127.0.0.0/33')).toThrow(/"127.0.0.0\/33"/);
    expect(() => OutboundPolicy.fromAllowedCidrs('127.0.0.1')).toThrow(/"127.0.0.1"/);
  });
});
