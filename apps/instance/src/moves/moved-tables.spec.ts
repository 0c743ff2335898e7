import { MOVED_TABLE_NAMES } from '@switchboard/contracts';

import { INSTANCE_ENTITIES } from '../instance.entities.js';
import { MOVED_TABLES } from './moved-tables.js';

describe('the tables a move copies', () => {
  it('are the contract list, in its order (the Hub walks that list)', () => {
    expect(MOVED_TABLES.map((table) => table.name)).toEqual([...MOVED_TABLE_NAMES]);
  });

  it('are every table of a workspace: every entity but the universe and the move tables themselves', () => {
    // A new entity must be added to MOVED_TABLES (and the capture trigger's migration), or this fails.
    expect(INSTANCE_ENTITIES).toHaveLength(MOVED_TABLES.length + 2 + 3);
  });
});
