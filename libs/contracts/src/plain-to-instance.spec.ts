import { IsObject, IsString } from 'class-validator';

import { parseMessage } from './contract.js';
import { plainToInstanceKeepingKeys } from './plain-to-instance.js';

class Carrier {
  @IsString() name!: string;
  @IsObject() settings!: Record<string, unknown>;
}

describe('plainToInstanceKeepingKeys', () => {
  it('keeps "constructor" keys of free-form JSON anywhere, in order, where class-transformer alone throws', () => {
    const settings = {
      a: 1,
      constructor: 'x',
      deep: [{ constructor: { prototype2: 1 }, b: 2 }],
      c: { constructor: 3 },
    };
    const carrier = plainToInstanceKeepingKeys(Carrier, { name: 'n', settings });
    expect(carrier).toBeInstanceOf(Carrier);
    expect(carrier.settings).toEqual(settings);
    expect(Object.keys(carrier.settings)).toEqual(['a', 'constructor', 'deep', 'c']);
    expect(JSON.stringify(carrier.settings)).toBe(JSON.stringify(settings));
  });

  it('leaves a message without such keys as class-transformer makes it', () => {
    const carrier = plainToInstanceKeepingKeys(Carrier, { name: 'n', settings: { a: [1, { b: null }] } });
    expect(carrier).toEqual(Object.assign(new Carrier(), { name: 'n', settings: { a: [1, { b: null }] } }));
  });

  it('lets parseMessage accept a message whose free-form part has a "constructor" key', () => {
    const message = parseMessage('s', Carrier, { name: 'n', settings: { constructor: 'x', d: { constructor: {} } } });
    expect(message.settings).toEqual({ constructor: 'x', d: { constructor: {} } });
    expect(() => parseMessage('s', Carrier, { name: 'n', settings: {}, constructor: 'x' })).toThrow(/constructor/);
  });
});
