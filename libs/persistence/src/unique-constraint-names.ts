import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The names of every unique constraint and unique index (primary keys
 * included) that `migrations` create, sorted and without repeats: read from
 * the SQL their `up` methods run, collected without a database. What a
 * service's `unique-constraints.ts` must answer with a 409 (see the problem
 * filter's unique-violation mapping).
 */
export async function uniqueConstraintNames(
  migrations: ReadonlyArray<new () => MigrationInterface>,
): Promise<string[]> {
  const statements: string[] = [];
  // The migrations call nothing on their query runner but `query`.
  const collector = {
    query: (sql: string) => Promise.resolve(void statements.push(sql)),
  } as unknown as QueryRunner;
  for (const Migration of migrations) await new Migration().up(collector);
  const sql = statements.join('\n');
  const names = [
    ...sql.matchAll(/CONSTRAINT "([^"]+)" (?:UNIQUE|PRIMARY KEY)/g),
    ...sql.matchAll(/CREATE UNIQUE INDEX (?:IF NOT EXISTS )?"([^"]+)"/g),
  ].map((match) => match[1] ?? '');
  return [...new Set(names)].sort();
}
