import { postgresOptions, withClient } from '@switchboard/persistence';
import { createTestDatabase, type TestDatabase } from '@switchboard/testing';
import { DataSource } from 'typeorm';

import { INSTANCE_ENTITIES } from '../instance.entities.js';
import { MovesRepository } from './moves.repository.js';

/**
 * The change log a move's catch-up reads (`workspace_move_changes`), through
 * MovesRepository as the service role reads it. Its order is what lets a
 * parent reach the target before its children: a log read out of order
 * leaves children whose parent is not there yet, batch after batch.
 */
describe('the change log of a move', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let repository: MovesRepository;
  const workspaceId = '3f1b8c55-9d0e-4a51-8d6c-0c8a3f2b7e10';
  const otherWorkspaceId = '7a2d4e66-1b3c-4f58-9e0a-5d6c7b8a9f01';

  beforeAll(async () => {
    database = await createTestDatabase('instance');
    dataSource = new DataSource(
      postgresOptions({ url: database.appUrl, entities: INSTANCE_ENTITIES, poolSize: 1, applicationName: 'moves' }),
    );
    await dataSource.initialize();
    repository = new MovesRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  /** Writes changes with these ids (the column is an identity BY DEFAULT, so ids may be given). */
  const record = (workspace: string, ids: number[]) =>
    withClient(database.adminUrl, (client) =>
      client.query(
        `INSERT INTO workspace_move_changes (id, workspace_id, table_name, pk)
         SELECT id, $1, 'tenants', jsonb_build_object('id', gen_random_uuid()) FROM unnest($2::bigint[]) id`,
        [workspace, ids],
      ),
    );

  it('reads the oldest changes by number, not as text (25 before 100), and only the workspace’s', async () => {
    await record(workspaceId, [100, 25, 1000, 9, 250]);
    await record(otherWorkspaceId, [1, 2]);
    const first = await repository.nextChanges(workspaceId, [], 3);
    expect(first.map((change) => change.id)).toEqual(['9', '25', '100']);
    // The replayed ones are deleted before the next read.
    const next = await repository.nextChanges(workspaceId, ['9', '25', '100'], 3);
    expect(next.map((change) => change.id)).toEqual(['250', '1000']);
    expect(await repository.changesRecorded(workspaceId)).toBe(2);
    expect(await repository.changesRecorded(otherWorkspaceId)).toBe(2);
  });
});
