import { corsOriginListProblems, corsOriginProblem, parseCorsOrigins } from './cors-origins.js';

describe('corsOriginProblem', () => {
  it.each([
    '*',
    'https://app.example.com',
    'http://localhost:3000',
    'https://[::1]:8443',
    'https://xn--bcher-kva.example',
  ])('accepts %s', (origin) => {
    expect(corsOriginProblem(origin)).toBeUndefined();
  });

  it.each([
    ['https://app.example.com/', 'exactly as browsers send it'],
    ['https://app.example.com/path', 'exactly as browsers send it'],
    ['HTTPS://App.Example.com', 'exactly as browsers send it'],
    ['https://app.example.com:443', 'exactly as browsers send it'],
    ['https://user@app.example.com', 'exactly as browsers send it'],
    ['https://*.example.com', 'wildcard'],
    ['null', 'sandboxed'],
    ['ftp://files.example.com', 'http or https'],
    ['app.example.com', 'must be an origin'],
    ['', 'must be an origin'],
  ])('refuses %s', (origin, message) => {
    expect(corsOriginProblem(origin)).toContain(message);
  });

  it('refuses what is not a string', () => {
    expect(corsOriginProblem(42)).toBe('must be a string');
  });
});

describe('corsOriginListProblems and parseCorsOrigins', () => {
  it('names each bad entry by its index and refuses too many', () => {
    expect(corsOriginListProblems(['https://ok.example.com', 'https://bad.example.com/'])).toEqual([
      expect.stringMatching(/^\[1\] /),
    ]);
    expect(corsOriginListProblems(Array.from({ length: 101 }, (_, i) => `https://a${i}.example.com`))).toEqual([
      'must list at most 100 origins',
    ]);
  });

  it('splits a comma-separated variable, dropping blanks', () => {
    expect(parseCorsOrigins(' https://a.example.com, ,http://localhost:3000 ')).toEqual([
      'https://a.example.com',
      'http://localhost:3000',
    ]);
    expect(parseCorsOrigins('')).toEqual([]);
  });
});
