import type { WorkspacePlacement } from '@switchboard/contracts';

import { PlacementTable } from './placement-table.js';

const placement = (id: string, version: number, instanceId = 'instance-a', key = `key-${id}`): WorkspacePlacement => ({
  workspaceId: id,
  workspaceKey: key,
  instanceId,
  apiUrl: `http://${instanceId}`,
  version,
  archived: false,
});

describe('PlacementTable', () => {
  it('is ready only once a whole table is loaded', () => {
    const table = new PlacementTable();
    table.apply(placement('1', 1));
    expect(table.ready).toBe(false);
    table.replaceAll([], table.begin());
    expect(table.ready).toBe(true);
  });

  it('keeps the highest version per workspace; an equal version replaces (a new apiUrl)', () => {
    const table = new PlacementTable();
    expect(table.apply(placement('1', 2, 'instance-b'))).toBe(true);
    expect(table.apply(placement('1', 1, 'instance-a'))).toBe(false);
    expect(table.lookup('key-1')?.instanceId).toBe('instance-b');
    expect(table.apply({ ...placement('1', 2, 'instance-b'), apiUrl: 'http://moved' })).toBe(true);
    expect(table.lookup('key-1')?.apiUrl).toBe('http://moved');
    expect(table.apply(placement('1', 3, 'instance-a'))).toBe(true);
    expect(table.lookup('key-1')?.instanceId).toBe('instance-a');
  });

  it('replaces everything with a full table, but keeps a newer change that arrived while it was read', () => {
    const table = new PlacementTable();
    table.replaceAll([placement('1', 1), placement('2', 1), placement('gone', 1)], table.begin());
    const started = table.begin();
    // While the table is read: workspace 1 moves (version 2), workspace 3 is created.
    table.apply(placement('1', 2, 'instance-b'));
    table.apply(placement('3', 1));
    table.replaceAll([placement('1', 1), placement('2', 5, 'instance-b')], started);
    expect(table.lookup('key-1')?.instanceId).toBe('instance-b');
    expect(table.lookup('key-2')).toMatchObject({ version: 5, instanceId: 'instance-b' });
    expect(table.lookup('key-3')).toBeDefined();
    expect(table.lookup('key-gone')).toBeUndefined();
    // The next full table decides alone.
    table.replaceAll([placement('2', 5, 'instance-b')], table.begin());
    expect(table.lookup('key-3')).toBeUndefined();
    expect(table.size).toBe(1);
    expect(table.countsByInstance()).toEqual(new Map([['instance-b', 1]]));
  });

  it('drops the old key of a workspace whose key changed', () => {
    const table = new PlacementTable();
    table.apply(placement('1', 1, 'instance-a', 'old'));
    table.apply(placement('1', 2, 'instance-a', 'new'));
    expect(table.lookup('old')).toBeUndefined();
    expect(table.lookup('new')).toBeDefined();
    expect(table.instanceUrls()).toEqual(['http://instance-a']);
  });
});
