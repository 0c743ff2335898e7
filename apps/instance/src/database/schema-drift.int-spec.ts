import { postgresOptions, schemaDrift } from '@switchboard/persistence';
import { createTestDatabase, type TestDatabase } from '@switchboard/testing';
import { DataSource } from 'typeorm';

import { INSTANCE_ENTITIES } from '../instance.entities.js';

describe('Instance schema', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('instance');
    dataSource = new DataSource(
      postgresOptions({
        url: database.migrationUrl,
        entities: INSTANCE_ENTITIES,
        poolSize: 1,
        applicationName: 'drift',
      }),
    );
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('migrations and entities agree', async () => {
    expect(await schemaDrift(dataSource)).toEqual([]);
  });
});
