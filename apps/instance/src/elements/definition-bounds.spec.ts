import { definitionProblem as sut, MAX_DEFINITION_BYTES, MAX_DEFINITION_DEPTH } from './definition-bounds.js';

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < depth; level++) value = { next: value };
  return value;
}

describe('definitionProblem', () => {
  it('accepts a JSON object within the bounds', () => {
    expect(sut({ a: [1, { b: 'c' }], d: null })).toBeNull();
    expect(sut({})).toBeNull();
    expect(sut(nested(MAX_DEFINITION_DEPTH))).toBeNull();
  });

  it('refuses anything but an object', () => {
    for (const value of [null, undefined, 'text', 1, true, [], [{}]]) expect(sut(value)).toBe('must be a JSON object');
  });

  it('refuses nesting past the limit, arrays counting as levels', () => {
    expect(sut(nested(MAX_DEFINITION_DEPTH + 1))).toMatch(/levels deep/);
    let value: unknown = [];
    for (let level = 0; level < 100_000; level++) value = [value];
    expect(sut({ deep: value })).toMatch(/levels deep/);
  });

  it('refuses more JSON than the limit', () => {
    expect(sut({ big: 'x'.repeat(MAX_DEFINITION_BYTES) })).toMatch(/bytes of JSON/);
    expect(sut({ fits: 'x'.repeat(MAX_DEFINITION_BYTES - 20) })).toBeNull();
  });
});
