import type { PipeTransform } from '@nestjs/common';
import { UNIVERSE_KEY, UNIVERSE_PATHS, type UniverseElementType } from '@switchboard/contracts';

import { DomainException } from '../errors/domain.exception.js';

/** `{utype}`: a universe path (`connectors`, …) → the stored singular type; anything else names nothing (404). */
class UniverseTypePipe implements PipeTransform<string, UniverseElementType> {
  transform(value: string): UniverseElementType {
    const type = Object.hasOwn(UNIVERSE_PATHS, value) ? UNIVERSE_PATHS[value as keyof typeof UNIVERSE_PATHS] : null;
    if (!type) throw DomainException.notFound(`The universe element type ${JSON.stringify(value.slice(0, 50))}`);
    return type;
  }
}

/** `{key}`: a universe element key, else 400 (it never reaches SQL). */
class UniverseKeyPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!UNIVERSE_KEY.test(value)) {
      throw DomainException.validation('key: is not a universe element key.', [
        { field: 'key', message: 'is not a universe element key' },
      ]);
    }
    return value;
  }
}

/**
 * The path parameters of `/universe/{utype}/{key}` (API.md, Universe), the
 * same on the Hub and on instances: the pipes that parse them, for
 * `@Param('utype', UNIVERSE_TYPE_PIPE)` and `@Param('key', UNIVERSE_KEY_PIPE)`,
 * and their OpenAPI descriptions, for `@ApiParam(…)`.
 */
export const UNIVERSE_TYPE_PIPE = new UniverseTypePipe();
export const UNIVERSE_KEY_PIPE = new UniverseKeyPipe();
export const UNIVERSE_TYPE_PARAM = {
  name: 'utype',
  enum: Object.keys(UNIVERSE_PATHS),
  description: 'The universe element type.',
};
export const UNIVERSE_KEY_PARAM = { name: 'key', description: "The element's key." };
