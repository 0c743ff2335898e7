import { Injectable, type PipeTransform } from '@nestjs/common';
import { DomainException } from '@switchboard/server';

import { INTEGRATION_KEY_PATTERN } from './integrations.dto.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An integration named in a path: by id, or by key (keys never look like ids). */
export type IntegrationSelector = { id: string } | { key: string };

/** Reads `{idOrKey}`; anything that can be neither is a 400 here rather than a cast error in SQL. */
@Injectable()
export class IntegrationSelectorPipe implements PipeTransform<string, IntegrationSelector> {
  transform(value: string): IntegrationSelector {
    if (UUID.test(value)) return { id: value.toLowerCase() };
    if (value.length <= 100 && INTEGRATION_KEY_PATTERN.test(value)) return { key: value };
    throw DomainException.validation('idOrKey: is neither an integration id (a UUID) nor an integration key.', [
      { field: 'idOrKey', message: 'is neither a UUID nor an integration key' },
    ]);
  }
}

export function describeSelector(selector: IntegrationSelector): string {
  return 'id' in selector ? `The integration ${selector.id}` : `The integration "${selector.key}"`;
}
