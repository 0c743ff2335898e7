import type { JsonObject } from './json-value.js';
import { composeOverlay as sut, mergeDefinition } from './merge-definition.js';

describe('composeOverlay', () => {
  const template: JsonObject = { title: 'T', nested: { a: 1, b: 2, deeper: { x: 'x' } }, list: [1, 2], gone: 'g' };

  it('gives the view that applying the patch to the current view would give', () => {
    const overlay: JsonObject = { nested: { a: 10, deeper: { y: 'y' } }, gone: null };
    const patch: JsonObject = { nested: { b: null, deeper: { x: 'xx' } }, list: [3], title: 'Mine' };
    const composed = sut(overlay, patch);
    expect(mergeDefinition(template, composed)).toEqual(mergeDefinition(mergeDefinition(template, overlay), patch));
    expect(composed).toEqual({
      nested: { a: 10, b: null, deeper: { y: 'y', x: 'xx' } },
      gone: null,
      list: [3],
      title: 'Mine',
    });
  });

  it('keeps a null of the patch, so that it still removes the key from the template', () => {
    expect(sut({}, { title: null })).toEqual({ title: null });
    expect(mergeDefinition(template, sut({}, { title: null }))).not.toHaveProperty('title');
  });

  it('replaces arrays and scalars, and changes neither input', () => {
    const overlay: JsonObject = { list: [1], n: 1, o: { k: 'v' } };
    const patch: JsonObject = { list: [], n: 'one', o: 'flat' };
    expect(sut(overlay, patch)).toEqual({ list: [], n: 'one', o: 'flat' });
    expect(overlay).toEqual({ list: [1], n: 1, o: { k: 'v' } });
    expect(patch).toEqual({ list: [], n: 'one', o: 'flat' });
  });

  it('treats a __proto__ key as an ordinary key', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}}') as JsonObject;
    const composed = sut({}, patch);
    expect(Object.getPrototypeOf(composed)).toBe(Object.prototype);
    expect(Object.keys(composed)).toEqual(['__proto__']);
  });
});
