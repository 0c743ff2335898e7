import type { QueryRunner } from 'typeorm';

import { HUB_MIGRATIONS } from '../migrations/index.js';
import { HUB_UNIQUE_CONSTRAINTS } from './unique-constraints.js';

/** The SQL the migrations run, collected without a database. */
async function migrationSql(): Promise<string> {
  const statements: string[] = [];
  const queryRunner = {
    query: (sql: string) => Promise.resolve(void statements.push(sql)),
  } as unknown as QueryRunner;
  for (const Migration of HUB_MIGRATIONS) await new Migration().up(queryRunner);
  return statements.join('\n');
}

/** Every unique constraint and unique index the migrations create, by name. */
function uniqueConstraintNames(sql: string): string[] {
  const names = [
    ...sql.matchAll(/CONSTRAINT "([^"]+)" (?:UNIQUE|PRIMARY KEY)/g),
    ...sql.matchAll(/CREATE UNIQUE INDEX (?:IF NOT EXISTS )?"([^"]+)"/g),
  ].map((match) => match[1]);
  return [...new Set(names)].sort();
}

describe('hub unique constraints', () => {
  it('every unique constraint of the migrations has a declared 409 answer, and nothing else does', async () => {
    const sut = HUB_UNIQUE_CONSTRAINTS;
    const names = uniqueConstraintNames(await migrationSql());
    expect(names.length).toBeGreaterThan(5);
    expect(Object.keys(sut).sort()).toEqual(names);
  });
});
