import { findUnstorable, isStorableString } from '@switchboard/contracts';

import { DomainException } from '../errors/domain.exception.js';
import { assertStorableInput, MAX_BODY_DEPTH } from './storable-input.js';

describe('storable input', () => {
  it.each([
    ['plain text', 'hello', true],
    ['an astral character (a surrogate pair)', 'rocket \u{1F680}', true],
    ['NUL', 'a\u0000b', false],
    ['a lone high surrogate', 'a\ud800', false],
    ['a lone low surrogate', '\udc00a', false],
    ['a reversed pair', '\udc00\ud800', false],
  ])('%s: storable is %s', (_label, text, storable) => {
    expect(isStorableString(text)).toBe(storable);
  });

  it('names the path of a bad value or key at any depth', () => {
    expect(findUnstorable({ settings: { a: { b: 'x\u0000' } } }, '')?.field).toBe('settings.a.b');
    expect(findUnstorable({ list: ['ok', { k: '\ud800' }] }, '')?.field).toBe('list[1].k');
    expect(findUnstorable({ settings: { ['k\u0000']: 1 } }, '')?.field).toBe('settings.k\\u0000');
    expect(findUnstorable({ internalId: 'a\u0000' }, 'query')?.field).toBe('query.internalId');
    expect(findUnstorable({ ok: ['fine', 1, null, true] }, '')).toBeUndefined();
  });

  it('names a number JSON gave as infinite (1e999), which would be stored as null', () => {
    expect(findUnstorable(JSON.parse('{"settings":{"x":1e999}}'), '')).toEqual({
      field: 'settings.x',
      message: expect.stringMatching(/finite number/),
    });
    expect(findUnstorable({ x: 1.5e308, y: -0 }, '')).toBeUndefined();
  });

  it('bounds nesting, top-level arrays included, without deep recursion', () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUnstorable(deep, '', MAX_BODY_DEPTH)).toEqual({
      field: '(body)',
      message: `must be nested at most ${MAX_BODY_DEPTH} levels deep`,
    });
    expect(findUnstorable({ fields: { a: deep } }, '', MAX_BODY_DEPTH)?.field).toBe('fields');
  });

  it('refuses a request with a 400 validation_failed naming the field', () => {
    const sut = () => assertStorableInput({ params: { id: 'a\u0000' }, headers: {} });
    expect(sut).toThrow(DomainException);
    try {
      sut();
    } catch (error) {
      expect(error).toMatchObject({
        status: 400,
        code: 'validation_failed',
        extras: { errors: [{ field: 'path.id' }] },
      });
    }
    expect(() => assertStorableInput({ headers: { 'idempotency-key': '\ud800' } })).toThrow(DomainException);
    expect(() => assertStorableInput({ body: { a: 'b' }, query: { c: 'd' }, headers: {} })).not.toThrow();
  });
});
