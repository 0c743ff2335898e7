import type { JsonObject } from './json-value.js';
import { mergeDefinition as sut } from './merge-definition.js';

describe('mergeDefinition', () => {
  it('merges objects recursively, key by key', () => {
    const template: JsonObject = { a: 1, nested: { keep: 'x', change: 'old', deeper: { one: 1, two: 2 } } };
    const overlay: JsonObject = { nested: { change: 'new', deeper: { two: 22, three: 3 } }, b: true };
    expect(sut(template, overlay)).toEqual({
      a: 1,
      b: true,
      nested: { keep: 'x', change: 'new', deeper: { one: 1, two: 22, three: 3 } },
    });
  });

  it('replaces arrays as a whole, never element by element', () => {
    expect(sut({ list: [1, 2, 3], objects: [{ a: 1 }] }, { list: [9], objects: [{ b: 2 }] })).toEqual({
      list: [9],
      objects: [{ b: 2 }],
    });
  });

  it('replaces scalars, and lets a scalar and an object replace each other', () => {
    expect(
      sut({ s: 'a', n: 1, b: false, o: { x: 1 }, t: 'text' }, { s: 'b', n: 2, b: true, o: 'flat', t: { x: 1 } }),
    ).toEqual({ s: 'b', n: 2, b: true, o: 'flat', t: { x: 1 } });
  });

  it('removes a key that the overlay sets to null, at any depth', () => {
    expect(sut({ gone: 1, kept: 2, nested: { gone: 'x', kept: 'y' } }, { gone: null, nested: { gone: null } })).toEqual(
      {
        kept: 2,
        nested: { kept: 'y' },
      },
    );
  });

  it('ignores a null for a key the template does not have', () => {
    expect(sut({ a: 1 }, { missing: null })).toEqual({ a: 1 });
  });

  it('drops nulls inside an object that lands where the template had none (RFC 7396)', () => {
    expect(sut({ a: 'scalar' }, { a: { keep: 1, drop: null }, fresh: { drop: null } })).toEqual({
      a: { keep: 1 },
      fresh: {},
    });
  });

  it('keeps nulls inside arrays: an array is a value, not a patch', () => {
    expect(sut({}, { list: [null, { a: null }] })).toEqual({ list: [null, { a: null }] });
  });

  it('returns the template unchanged for an empty overlay, and changes neither input', () => {
    const template: JsonObject = { a: { b: [1] } };
    const overlay: JsonObject = { a: { c: 2 } };
    const merged = sut(template, overlay);
    expect(sut(template, {})).toEqual(template);
    expect(template).toEqual({ a: { b: [1] } });
    expect(overlay).toEqual({ a: { c: 2 } });
    expect(merged).toEqual({ a: { b: [1], c: 2 } });
  });

  it('treats a __proto__ key as data, never as a prototype', () => {
    const overlay = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as JsonObject;
    const merged = sut({}, overlay);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(JSON.parse(JSON.stringify(merged))).toEqual(JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'));
  });
});
