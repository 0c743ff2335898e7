import { jest } from '@jest/globals';
import { type ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { routeMetadata } from './route-metadata.js';

const KEY = 'test:route-metadata';

@SetMetadata(KEY, 'class')
class Declared {
  @SetMetadata(KEY, 'handler') own(): void {}
  inherited(): void {}
}

class Plain {
  none(): void {}
}

const contextOf = (type: new () => object, handler: () => void): ExecutionContext =>
  ({ getClass: () => type, getHandler: () => handler }) as unknown as ExecutionContext;

describe('routeMetadata', () => {
  it("answers as getAllAndOverride: the handler's value first, then the class's, else undefined", () => {
    const reflector = new Reflector();
    for (let round = 0; round < 2; round++) {
      expect(routeMetadata(reflector, KEY, contextOf(Declared, Declared.prototype.own))).toBe('handler');
      expect(routeMetadata(reflector, KEY, contextOf(Declared, Declared.prototype.inherited))).toBe('class');
      expect(routeMetadata(reflector, KEY, contextOf(Plain, Plain.prototype.none))).toBeUndefined();
    }
  });

  it('reads the metadata once per route and key', () => {
    const reflector = new Reflector();
    const read = jest.spyOn(reflector, 'getAllAndOverride');
    const context = contextOf(Plain, Plain.prototype.none);
    routeMetadata(reflector, 'test:once', context);
    routeMetadata(reflector, 'test:once', context);
    routeMetadata(reflector, 'test:other', context);
    expect(read).toHaveBeenCalledTimes(2);
  });
});
