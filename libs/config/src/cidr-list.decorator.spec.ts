import { IsCidrList } from './cidr-list.decorator.js';
import { loadConfig } from './load-config.js';

class OutboundExampleConfig {
  @IsCidrList() OUTBOUND_ALLOWED_CIDRS: string = '';
}

describe('IsCidrList', () => {
  it('accepts none, one or several IPv4 and IPv6 ranges', () => {
    for (const value of [undefined, '127.0.0.0/8', '127.0.0.0/8, ::1/128', '10.0.0.0/8,fd00::/8,']) {
      const sut = loadConfig(OutboundExampleConfig, { OUTBOUND_ALLOWED_CIDRS: value });
      expect(sut.OUTBOUND_ALLOWED_CIDRS).toBe(value ?? '');
    }
  });

  it.each(['127.0.0.1', 'localhost', '127.0.0.0/33', '::1/129', '10.0.0.0/8;192.168.0.0/16'])(
    'refuses %s at boot with a sentence naming the variable',
    (value) => {
      expect(() => loadConfig(OutboundExampleConfig, { OUTBOUND_ALLOWED_CIDRS: value })).toThrow(
        /OUTBOUND_ALLOWED_CIDRS is required or malformed \(its value is not valid\): must be comma-separated CIDR ranges/,
      );
    },
  );
});
