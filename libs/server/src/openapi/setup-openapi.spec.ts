import { docsContentSecurityPolicy } from './setup-openapi.js';

describe('docsContentSecurityPolicy', () => {
  it('allows scripts from the service alone, and calls to the service and its public origin', () => {
    const policy = docsContentSecurityPolicy('https://api.example.test:8443/v1/');
    expect(policy.split('; ')).toEqual(
      expect.arrayContaining([
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self' https://api.example.test:8443",
        "frame-ancestors 'none'",
      ]),
    );
    expect(docsContentSecurityPolicy()).toContain("connect-src 'self';");
  });
});
