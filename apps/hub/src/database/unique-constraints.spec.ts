import { uniqueConstraintNames } from '@switchboard/persistence';

import { HUB_MIGRATIONS } from '../migrations/index.js';
import { HUB_UNIQUE_CONSTRAINTS } from './unique-constraints.js';

describe('hub unique constraints', () => {
  it('every unique constraint of the migrations has a declared 409 answer, and nothing else does', async () => {
    const sut = HUB_UNIQUE_CONSTRAINTS;
    const names = await uniqueConstraintNames(HUB_MIGRATIONS);
    expect(names.length).toBeGreaterThan(5);
    expect(Object.keys(sut).sort()).toEqual(names);
  });
});
