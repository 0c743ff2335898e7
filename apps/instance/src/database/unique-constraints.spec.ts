import { uniqueConstraintNames } from '@switchboard/persistence';

import { INSTANCE_MIGRATIONS } from '../migrations/index.js';
import { INSTANCE_UNIQUE_CONSTRAINTS } from './unique-constraints.js';

describe('instance unique constraints', () => {
  it('every unique constraint of the migrations has a declared 409 answer, and nothing else does', async () => {
    const sut = INSTANCE_UNIQUE_CONSTRAINTS;
    const names = await uniqueConstraintNames(INSTANCE_MIGRATIONS);
    expect(names.length).toBeGreaterThan(5);
    expect(Object.keys(sut).sort()).toEqual(names);
  });
});
