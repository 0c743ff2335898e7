import { isDependencyUnavailable as sut } from './dependency-unavailable.js';

describe('isDependencyUnavailable', () => {
  const withCode = (code: string) => Object.assign(new Error('x'), { code });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '08006', '08001', '57P01', '57P03', '53300'])(
    'takes %s for an unavailable dependency',
    (code) => {
      expect(sut(withCode(code))).toBe(true);
    },
  );

  it('looks into TypeORM driver errors, causes and aggregates', () => {
    expect(sut(Object.assign(new Error('query failed'), { driverError: withCode('57P01') }))).toBe(true);
    expect(sut(new Error('fetch failed', { cause: withCode('ECONNREFUSED') }))).toBe(true);
    expect(sut(new AggregateError([new Error('a'), withCode('ECONNREFUSED')]))).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('23505')],
    ['a syntax error', withCode('42601')],
    ['an error without code', new Error('connection refused')],
    ['not an error', 'ECONNREFUSED'],
    ['null', null],
  ])('does not take %s for one', (_, error) => {
    expect(sut(error)).toBe(false);
  });
});
