import {
  FilledTooLargeError,
  fillPlaceholders as sut,
  MAX_FILLED_CHARACTERS,
  type PlaceholderTenant,
} from './fill-placeholders.js';

const tenant: PlaceholderTenant = {
  name: 'Acme Ltd',
  internalId: 'acme-1',
  fields: {
    region: 'eu',
    seats: 12,
    trial: false,
    address: { city: 'Berlin' },
    'dotted.name': 'literal',
    nothing: null,
    tags: ['a'],
  },
};

describe('fillPlaceholders', () => {
  it('fills name, internalId and fields in a string, several per string', () => {
    expect(sut('{tenant.name} ({tenant.internalId}) in {tenant.fields.region}', tenant)).toBe(
      'Acme Ltd (acme-1) in eu',
    );
  });

  it('fills every string however deep, in objects and arrays, and leaves keys and other values alone', () => {
    expect(
      sut(
        {
          '{tenant.name}': 'key stays',
          list: ['{tenant.internalId}', 3, true, null, [{ deep: 'x-{tenant.fields.region}' }]],
          nested: { more: { text: '{tenant.name}' } },
        },
        tenant,
      ),
    ).toEqual({
      '{tenant.name}': 'key stays',
      list: ['acme-1', 3, true, null, [{ deep: 'x-eu' }]],
      nested: { more: { text: 'Acme Ltd' } },
    });
  });

  it('writes numbers and booleans as text', () => {
    expect(sut('{tenant.fields.seats}/{tenant.fields.trial}', tenant)).toBe('12/false');
  });

  it('follows a dotted path into nested fields, and prefers a field whose own name has the dot', () => {
    expect(sut('{tenant.fields.address.city}', tenant)).toBe('Berlin');
    expect(sut('{tenant.fields.dotted.name}', tenant)).toBe('literal');
  });

  it('leaves unknown placeholders and unusable fields exactly as written', () => {
    const untouched = [
      '{tenant.unknown}',
      '{tenant.fields.missing}',
      '{tenant.fields.nothing}',
      '{tenant.fields.address}',
      '{tenant.fields.tags}',
      '{tenant.fields.region.deeper}',
      '{tenant.fields.constructor}',
      '{tenant.fields.__proto__}',
      '{user.name}',
      '{tenant.name',
      'plain {braces}',
    ];
    for (const text of untouched) expect(sut(text, tenant)).toBe(text);
    expect(sut('{tenant.unknown} and {tenant.name}', tenant)).toBe('{tenant.unknown} and Acme Ltd');
  });

  it('does not scan filled text again', () => {
    expect(sut('{tenant.name}', { ...tenant, name: '{tenant.internalId}' })).toBe('{tenant.internalId}');
  });

  it('does not change its input', () => {
    const input = { a: ['{tenant.name}'] };
    sut(input, tenant);
    expect(input).toEqual({ a: ['{tenant.name}'] });
  });

  it('refuses to write more than MAX_FILLED_CHARACTERS of tenant text, all placeholders together', () => {
    const big = { ...tenant, fields: { a: 'X'.repeat(100_000) } };
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, '{tenant.fields.a}']));
    expect(() => sut(many, big, 1_000_000)).toThrow(FilledTooLargeError);
    expect(() => sut('{tenant.fields.a}'.repeat(20), big)).toThrow(FilledTooLargeError);
    const filled = sut({ a: '{tenant.fields.a}', b: ['{tenant.fields.a}'] }, big, 200_000);
    expect(filled.b[0]).toHaveLength(100_000);
    expect(MAX_FILLED_CHARACTERS).toBeGreaterThanOrEqual(1024 * 1024);
  });
});

describe('fillPlaceholders: {date} and {now}', () => {
  const tenant = { name: 'Acme', internalId: 'acme', fields: {} };
  it('fills the UTC date and the ISO-8601 instant, anywhere in a string, not in keys', () => {
    const now = new Date('2026-03-04T23:59:58.123Z');
    expect(sut({ '{date}': 'on {date} at {now} for {tenant.name}', list: ['{now}'] }, tenant, 1000, now)).toEqual({
      '{date}': 'on 2026-03-04 at 2026-03-04T23:59:58.123Z for Acme',
      list: ['2026-03-04T23:59:58.123Z'],
    });
  });
  it('leaves near misses as written', () => {
    expect(sut('{Date} {now } {dates} {tenant.date}', tenant)).toBe('{Date} {now } {dates} {tenant.date}');
  });
});
