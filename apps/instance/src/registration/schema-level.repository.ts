import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { queryRow } from '@switchboard/persistence';
import { DataSource } from 'typeorm';

/**
 * This instance's schema level (`SCHEMA_LEVEL` in `@switchboard/contracts`): the latest migration applied
 * to its database, read from TypeORM's `migrations` table (the owner creates it when it runs the
 * migrations; the app role may read it, as every table of the owner's).
 */
@Injectable()
export class SchemaLevelRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The name of the latest migration applied (by timestamp, then order of running), or null when none is. */
  async latest(): Promise<string | null> {
    const row = await queryRow(
      this.dataSource,
      'SELECT name FROM migrations ORDER BY "timestamp" DESC, id DESC LIMIT 1',
      [],
      { name: 'string' },
    );
    return row?.name ?? null;
  }
}
