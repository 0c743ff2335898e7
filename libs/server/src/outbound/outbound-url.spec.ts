import { DomainException } from '../errors/domain.exception.js';
import { ErrorCode } from '../errors/error-code.js';
import { OutboundPolicy } from './outbound-policy.js';
import { assertOutboundUrl, outboundUrlRefusal } from './outbound-url.js';

describe('outboundUrlRefusal', () => {
  const none = OutboundPolicy.fromAllowedCidrs('');

  it.each([
    'https://hooks.example.com/switchboard',
    'http://hooks.example.com:8443/a?b=c#d',
    'https://8.8.8.8/hook',
    'https://[2606:4700:4700::1111]/hook',
    'https://xn--bcher-kva.example/hook',
    'https://localhost.example.com/hook',
    'https://metadata.example.com/hook',
  ])('allows %s', (url) => {
    expect(outboundUrlRefusal(url, none)).toBeUndefined();
  });

  it.each([
    // Schemes and syntax.
    ['ftp://example.com/hook', /ftp: — only http: and https:/],
    ['file:///etc/passwd', /file:/],
    ['javascript:alert(1)', /javascript:/],
    ['gopher://example.com/', /gopher:/],
    ['data:text/plain,x', /data:/],
    ['not a url', /not an absolute URL/],
    ['//example.com/hook', /not an absolute URL/],
    // User-info tricks.
    ['http://good.com@127.0.0.1/', /user-info/],
    ['http://user:pass@hooks.example.com/', /user-info/],
    ['http://127.0.0.1#@good.com/', /loopback/],
    // IPv4 literals.
    ['http://127.0.0.1:8080/', /loopback/],
    ['http://10.1.2.3/', /private/],
    ['http://172.16.5.4/', /private/],
    ['http://192.168.0.10/', /private/],
    ['http://169.254.169.254/latest/meta-data/', /link-local/],
    ['http://100.64.1.1/', /carrier-grade NAT/],
    ['http://224.0.0.251/', /multicast/],
    ['http://0.0.0.0/', /unspecified/],
    ['http://255.255.255.255/', /broadcast/],
    ['http://192.0.2.10/', /reserved/],
    // Numeric host forms that the WHATWG parser folds into dotted quads.
    ['http://2130706433/', /non-canonical numeric form of 127\.0\.0\.1/],
    ['http://0x7f000001/', /non-canonical numeric form of 127\.0\.0\.1/],
    ['http://0x7F.0.0.1/', /non-canonical numeric form of 127\.0\.0\.1/],
    ['http://0177.0.0.1/', /non-canonical numeric form of 127\.0\.0\.1/],
    ['http://017700000001/', /non-canonical numeric form of 127\.0\.0\.1/],
    ['http://127.1/', /non-canonical numeric form of 127\.0\.0\.1/],
    ['http://127.0.1/', /non-canonical numeric form of 127\.0\.0\.1/],
    ['http://127.0.0.1./', /non-canonical numeric form of 127\.0\.0\.1/],
    ['http://%31%32%37.0.0.1/', /non-canonical numeric form of 127\.0\.0\.1/],
    ['http://134744072/', /non-canonical numeric form of 8\.8\.8\.8/],
    ['http://0xa9fea9fe/', /non-canonical numeric form of 169\.254\.169\.254/],
    ['http:\\\\127.0.0.1/', /loopback/],
    ['http:127.0.0.1/', /loopback/],
    // IPv6 literals, mapped, compatible and translated forms.
    ['http://[::1]/', /loopback/],
    ['http://[::]/', /unspecified/],
    ['http://[fe80::1]/', /link-local/],
    ['http://[fc00::1]/', /unique local/],
    ['http://[fd00:ec2::254]/', /unique local/],
    ['http://[ff02::1]/', /multicast/],
    ['http://[::ffff:127.0.0.1]/', /IPv4-mapped/],
    ['http://[::ffff:169.254.169.254]/', /IPv4-mapped/],
    ['http://[::ffff:8.8.8.8]/', /IPv4-mapped/],
    ['http://[::127.0.0.1]/', /IPv4-compatible/],
    ['http://[64:ff9b::127.0.0.1]/', /embedding 127\.0\.0\.1/],
    ['http://[2002:a9fe:a9fe::]/', /embedding 169\.254\.169\.254/],
    // Names.
    ['http://localhost/', /loopback name/],
    ['http://LOCALHOST:8080/', /loopback name/],
    ['http://localhost./', /loopback name/],
    ['http://api.localhost/', /loopback name/],
    ['http://\u24dbocalhost/', /loopback name/],
    ['http://metadata.google.internal/computeMetadata/v1/', /cloud metadata/],
    ['http://METADATA.GOOGLE.INTERNAL./', /cloud metadata/],
    ['http://metadata/', /cloud metadata/],
    ['http://metadata.goog/', /cloud metadata/],
    ['http://instance-data/latest/', /cloud metadata/],
    ['http://instance-data.ec2.internal/', /cloud metadata/],
    ['http://db.prod.internal/', /\.internal/],
    ['http://printer.local/', /\.local/],
    ['http://router.home.arpa/', /\.home\.arpa/],
  ])('refuses %s', (url, reason) => {
    expect(outboundUrlRefusal(url, none)).toMatch(reason);
  });

  it('lets an allowed range through, localhost included, and nothing else', () => {
    const dev = OutboundPolicy.fromAllowedCidrs('127.0.0.0/8,::1/128');
    for (const url of [
      'http://127.0.0.1:9000/hook',
      'http://[::1]:9000/',
      'http://localhost:9000/',
      'http://[::ffff:127.0.0.1]/',
    ]) {
      expect(outboundUrlRefusal(url, dev)).toBeUndefined();
    }
    for (const url of [
      'http://10.1.2.3/',
      'http://169.254.169.254/',
      'http://metadata.google.internal/',
      'http://2130706433/',
    ]) {
      expect(outboundUrlRefusal(url, dev)).toBeDefined();
    }
    // Only IPv6 loopback allowed: localhost may still resolve to it.
    expect(outboundUrlRefusal('http://localhost/', OutboundPolicy.fromAllowedCidrs('::1/128'))).toBeUndefined();
  });
});

describe('assertOutboundUrl', () => {
  it('throws 400 outbound_url_refused naming the field and the reason', () => {
    const none = OutboundPolicy.fromAllowedCidrs('');
    let thrown: unknown;
    try {
      assertOutboundUrl('http://169.254.169.254/', none, 'webhookUri');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainException);
    expect(thrown).toMatchObject({
      status: 400,
      code: ErrorCode.OutboundUrlRefused,
      detail: expect.stringMatching(/^webhookUri: host 169\.254\.169\.254 is a link-local address/),
      extras: { errors: [{ field: 'webhookUri', message: expect.stringContaining('link-local') }] },
    });
    expect(() => assertOutboundUrl('https://hooks.example.com/', none, 'webhookUri')).not.toThrow();
  });
});
