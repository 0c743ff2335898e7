import { postgresOptions, schemaDrift } from '@switchboard/persistence';
import { createTestDatabase, type TestDatabase } from '@switchboard/testing';
import { DataSource } from 'typeorm';

import { HUB_ENTITIES } from '../hub.entities.js';

describe('Hub schema', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('hub');
    dataSource = new DataSource(
      postgresOptions({ url: database.migrationUrl, entities: HUB_ENTITIES, poolSize: 1, applicationName: 'drift' }),
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
