import { ConfigError, loadConfig } from '@switchboard/config';

import { GatewayConfig } from './config.js';

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(GatewayConfig, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('GatewayConfig: trusted proxies and the per-client share', () => {
  it('trusts no proxy and gives each client an eighth of the 64 MiB by default', () => {
    const sut = loadConfig(GatewayConfig, {});
    expect([sut.trustedProxies(), sut.GATEWAY_HELD_BYTES_PER_CLIENT]).toEqual([[], 8 * 1024 * 1024]);
  });

  it('reads comma-separated IPv4 and IPv6 CIDRs', () => {
    const sut = loadConfig(GatewayConfig, { GATEWAY_TRUSTED_PROXIES: '10.0.0.0/8, fd00::/8,' });
    expect(sut.trustedProxies()).toEqual(['10.0.0.0/8', 'fd00::/8']);
  });

  it.each(['10.0.0.1', 'loopback', '10.0.0.0/33', '10.0.0.0/8;192.168.0.0/16'])(
    'refuses GATEWAY_TRUSTED_PROXIES=%s at boot, naming it',
    (value) => {
      expect(problemsOf({ GATEWAY_TRUSTED_PROXIES: value })).toEqual([
        expect.stringMatching(/^GATEWAY_TRUSTED_PROXIES .*comma-separated CIDR ranges/),
      ]);
    },
  );

  it('refuses a per-client share below 2 MiB (a whole held body and more) or above the 64 MiB budget, naming it', () => {
    for (const value of ['1048576', String(65 * 1024 * 1024), 'lots']) {
      expect(problemsOf({ GATEWAY_HELD_BYTES_PER_CLIENT: value })).toEqual([
        expect.stringMatching(/^GATEWAY_HELD_BYTES_PER_CLIENT /),
      ]);
    }
  });
});
