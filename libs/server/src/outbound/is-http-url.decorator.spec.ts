import { validateSync } from 'class-validator';

import { IsHttpUrl } from './is-http-url.decorator.js';

class Target {
  @IsHttpUrl() url!: unknown;
}

const accepts = (url: unknown) => {
  const target = new Target();
  target.url = url;
  return validateSync(target).length === 0;
};

describe('IsHttpUrl', () => {
  it('accepts absolute http(s) URLs as written', () => {
    for (const url of ['https://hooks.example.com/x?y=1', 'http://example.com:8080/', 'https://[2001:db8::1]/']) {
      expect({ url, accepted: accepts(url) }).toEqual({ url, accepted: true });
    }
  });

  it('refuses what the URL parser would only accept by repairing it, and port 0', () => {
    for (const url of [
      'http:/example.com',
      'http:example.com',
      ' http://example.com/',
      'http://example.com/ ',
      'http://exa mple.com/',
      'http://example.com/\t',
      'http://example.com:0/',
      'ftp://example.com/',
      '//example.com/',
      42,
    ]) {
      expect({ url, accepted: accepts(url) }).toEqual({ url, accepted: false });
    }
  });
});
