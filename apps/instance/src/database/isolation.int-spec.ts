import { randomUUID } from 'node:crypto';

import { postgresOptions, withClient } from '@switchboard/persistence';
import { createTestDatabase, TEST_APP, type TestDatabase } from '@switchboard/testing';
import { DataSource } from 'typeorm';

import { INSTANCE_ENTITIES } from '../instance.entities.js';
import { TenantScope } from './tenant-scope.js';

/**
 * Isolation is enforced by Postgres itself. These tests read the catalog and
 * run SQL as the application role, so that a table added without row-level
 * security, or a role that could bypass it, fails the build.
 */
describe('tenant isolation in the database', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('instance');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('every table with a workspace_id has row-level security enabled and forced, with a policy', async () => {
    const tables = await withClient(database.adminUrl, async (client) => {
      const { rows } = await client.query<{ table: string; enabled: boolean; forced: boolean; policies: number }>(
        `SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
                (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind = 'r'
           AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'workspace_id')`,
      );
      return rows;
    });
    expect(tables.map((table) => table.table)).toEqual(
      expect.arrayContaining([
        'tenants',
        'usage_records',
        'activity_logs',
        'rate_limit_windows',
        'integrations',
        'connections',
        'element_templates',
        'element_revisions',
        'element_customizations',
        'idempotency_keys',
        'tenant_balances',
        'balance_entries',
        'tenant_api_keys',
      ]),
    );
    // A move's bookkeeping (apps/instance/src/moves): which workspace is moving and the primary keys of
    // rows changed meanwhile. No tenant data; read and written by the move's own steps (Hub → instance over
    // NATS) and its capture trigger, never by a request. Row-level security on these is left undone.
    const MOVE_BOOKKEEPING = ['workspace_move_sources', 'workspace_move_targets', 'workspace_move_changes'];
    for (const table of tables.filter((candidate) => !MOVE_BOOKKEEPING.includes(candidate.table))) {
      expect({
        table: table.table,
        enabled: table.enabled,
        forced: table.forced,
        hasPolicy: table.policies > 0,
      }).toEqual({
        table: table.table,
        enabled: true,
        forced: true,
        hasPolicy: true,
      });
    }
  });

  it('the application role owns nothing and cannot bypass row-level security', async () => {
    await withClient(database.adminUrl, async (client) => {
      const { rows: role } = await client.query<{ rolbypassrls: boolean; rolsuper: boolean }>(
        'SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = $1',
        [TEST_APP.user],
      );
      expect(role).toEqual([{ rolbypassrls: false, rolsuper: false }]);
      const { rows: owned } = await client.query(
        `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = $1`,
        [TEST_APP.user],
      );
      expect(owned).toEqual([]);
    });
  });

  describe('as the application role', () => {
    const workspaceA = randomUUID();
    const workspaceB = randomUUID();
    let tenantA: string;
    let tenantB: string;

    beforeAll(async () => {
      // Seed through the owner: the app role could not write these rows without a scope.
      await withClient(database.adminUrl, async (client) => {
        for (const id of [workspaceA, workspaceB]) {
          await client.query(
            `INSERT INTO workspaces (id, org_id, key, name, sealed_secret, config_version)
             VALUES ($1, $1, $2, 'w', 'sealed', 1)`,
            [id, `key-${id}`],
          );
        }
        tenantA = (
          await client.query<{ id: string }>(
            "INSERT INTO tenants (workspace_id, internal_id, name) VALUES ($1, 'a', 'A') RETURNING id",
            [workspaceA],
          )
        ).rows[0]!.id;
        tenantB = (
          await client.query<{ id: string }>(
            "INSERT INTO tenants (workspace_id, internal_id, name) VALUES ($1, 'b', 'B') RETURNING id",
            [workspaceB],
          )
        ).rows[0]!.id;
      });
    });

    it('with no context sees no rows and cannot write any', async () => {
      await withClient(database.appUrl, async (client) => {
        expect((await client.query('SELECT * FROM tenants')).rows).toEqual([]);
        expect((await client.query('SELECT * FROM usage_records')).rows).toEqual([]);
        expect((await client.query('SELECT * FROM activity_logs')).rows).toEqual([]);
        await expect(
          client.query("INSERT INTO tenants (workspace_id, internal_id, name) VALUES ($1, 'x', 'X')", [workspaceA]),
        ).rejects.toThrow(/row-level security/);
        expect((await client.query("UPDATE tenants SET name = 'pwned'")).rowCount).toBe(0);
      });
    });

    it('a workspace scope sees its own tenants only; a tenant scope only itself', async () => {
      await withClient(database.appUrl, async (client) => {
        const inScope = async (workspaceId: string, tenantId: string) => {
          await client.query('BEGIN');
          await client.query("SELECT set_config('app.workspace_id', $1, true), set_config('app.tenant_id', $2, true)", [
            workspaceId,
            tenantId,
          ]);
          const { rows } = await client.query<{ id: string }>('SELECT id FROM tenants');
          await client.query('COMMIT');
          return rows.map((row) => row.id);
        };
        expect(await inScope(workspaceA, '')).toEqual([tenantA]);
        expect(await inScope(workspaceB, '')).toEqual([tenantB]);
        expect(await inScope(workspaceA, tenantA)).toEqual([tenantA]);
        expect(await inScope(workspaceA, tenantB)).toEqual([]);
        // Writing a row into another workspace is refused by the policy's WITH CHECK.
        await client.query('BEGIN');
        await client.query("SELECT set_config('app.workspace_id', $1, true)", [workspaceA]);
        await expect(
          client.query("INSERT INTO tenants (workspace_id, internal_id, name) VALUES ($1, 'sneak', 'S')", [workspaceB]),
        ).rejects.toThrow(/row-level security/);
        await client.query('ROLLBACK');
      });
    });

    it('a usage row cannot point at a tenant of another workspace', async () => {
      await withClient(database.adminUrl, async (client) => {
        await expect(
          client.query('INSERT INTO usage_records (workspace_id, tenant_id, credits) VALUES ($1, $2, 1)', [
            workspaceA,
            tenantB,
          ]),
        ).rejects.toThrow(/foreign key/);
      });
    });

    describe('linked tenants (connections read by a parent scope setting, no WHERE)', () => {
      let parent: string;
      let child1: string;
      let child2: string;

      beforeAll(async () => {
        await withClient(database.adminUrl, async (client) => {
          const tenant = async (key: string, parentId: string | null) =>
            (
              await client.query<{ id: string }>(
                'INSERT INTO tenants (workspace_id, internal_id, name, parent_id) VALUES ($1, $2, $2, $3) RETURNING id',
                [workspaceA, key, parentId],
              )
            ).rows[0]!.id;
          parent = await tenant('parent', null);
          child1 = await tenant('child-1', parent);
          child2 = await tenant('child-2', parent);
          const integration = (
            await client.query<{ id: string }>(
              "INSERT INTO integrations (workspace_id, key, name, auth_type) VALUES ($1, 'crm', 'CRM', 'api-key') RETURNING id",
              [workspaceA],
            )
          ).rows[0]!.id;
          for (const [name, tenantId, shared] of [
            ['parent-shared', parent, true],
            ['parent-private', parent, false],
            ['child1-shared', child1, true],
            ['child1-private', child1, false],
            ['child2-private', child2, false],
          ] as const) {
            await client.query(
              `INSERT INTO connections (workspace_id, tenant_id, integration_id, name, sealed_credentials, shared)
                 VALUES ($1, $2, $3, $4, 'sealed', $5) RETURNING id`,
              [workspaceA, tenantId, integration, name, shared],
            );
          }
        });
      });

      /** Runs `sql` as the application role with the scope set directly, and the connection names it sees. */
      const asScope = (tenantId: string, parentTenantId: string, sql = 'SELECT name FROM connections ORDER BY name') =>
        withClient(database.appUrl, async (client) => {
          await client.query('BEGIN');
          await client.query(
            `SELECT set_config('app.workspace_id', $1, true), set_config('app.tenant_id', $2, true),
                    set_config('app.parent_tenant_id', $3, true)`,
            [workspaceA, tenantId, parentTenantId],
          );
          try {
            const { rows, rowCount } = await client.query<{ name: string }>(sql);
            return { names: rows.map((row) => row.name), rowCount };
          } finally {
            await client.query('ROLLBACK');
          }
        });

      it("a child sees its own and its parent's shared connections; siblings see nothing of each other", async () => {
        expect((await asScope(child1, parent)).names).toEqual(['child1-private', 'child1-shared', 'parent-shared']);
        expect((await asScope(child2, parent)).names).toEqual(['child2-private', 'parent-shared']);
        // Naming a sibling (or anyone but its real parent) as the parent shares nothing: the link in the row decides.
        expect((await asScope(child2, child1)).names).toEqual(['child2-private']);
        expect((await asScope(parent, child1)).names).toEqual(['parent-private', 'parent-shared']);
      });

      it("a parent sees none of its children's connections; without the parent setting a child sees only its own", async () => {
        expect((await asScope(parent, '')).names).toEqual(['parent-private', 'parent-shared']);
        expect((await asScope(child1, '')).names).toEqual(['child1-private', 'child1-shared']);
        expect((await asScope('', '')).names).toEqual([
          'child1-private',
          'child1-shared',
          'child2-private',
          'parent-private',
          'parent-shared',
        ]);
      });

      it("a child can neither change, archive, delete nor re-own its parent's shared connection", async () => {
        for (const sql of [
          "UPDATE connections SET name = 'hijacked' WHERE name = 'parent-shared'",
          "UPDATE connections SET archived_at = now() WHERE name = 'parent-shared'",
          "DELETE FROM connections WHERE name = 'parent-shared'",
        ]) {
          expect({ sql, rowCount: (await asScope(child1, parent, sql)).rowCount }).toEqual({ sql, rowCount: 0 });
        }
        await expect(
          asScope(
            child1,
            parent,
            `INSERT INTO connections (workspace_id, tenant_id, integration_id, name)
             SELECT workspace_id, tenant_id, integration_id, 'forged' FROM connections WHERE name = 'parent-shared'`,
          ),
        ).rejects.toThrow(/row-level security/);
        // The shared row is readable by the child, and its own row stays writable.
        expect(
          (await asScope(child1, parent, "UPDATE connections SET name = name WHERE name = 'child1-private'")).rowCount,
        ).toBe(1);
      });

      it('a tenant scope cannot link tenants: parents are an admin matter, and never across workspaces', async () => {
        const update = `UPDATE tenants SET parent_id = '${parent}' WHERE id = '${child2}'`;
        expect((await asScope(child1, parent, update)).rowCount).toBe(0);
        await withClient(database.adminUrl, async (client) => {
          await expect(
            client.query('UPDATE tenants SET parent_id = $1 WHERE id = $2', [tenantB, child1]),
          ).rejects.toThrow(/foreign key/);
          await expect(client.query('UPDATE tenants SET parent_id = id WHERE id = $1', [parent])).rejects.toThrow(
            /tenants_not_own_parent/,
          );
        });
      });
    });

    it('pooled connections carry no tenant from one request to the next', async () => {
      const dataSource = new DataSource(
        postgresOptions({
          url: database.appUrl,
          entities: INSTANCE_ENTITIES,
          poolSize: 1,
          applicationName: 'pool-test',
        }),
      );
      await dataSource.initialize();
      try {
        const sut = new TenantScope(dataSource);
        const scoped = await sut.run(
          { workspaceId: workspaceA, tenantId: tenantA, parentTenantId: tenantA },
          (manager) => manager.query<{ id: string }[]>('SELECT id FROM tenants'),
        );
        expect(scoped.map((row) => row.id)).toEqual([tenantA]);
        // The pool has one connection: the next query runs on the very same one.
        const after = await dataSource.query<
          { workspace: string | null; tenant: string | null; parent: string | null; count: string }[]
        >(
          `SELECT current_setting('app.workspace_id', true) AS workspace, current_setting('app.tenant_id', true) AS tenant,
                  current_setting('app.parent_tenant_id', true) AS parent, (SELECT count(*) FROM tenants) AS count`,
        );
        expect(after[0]!.workspace || null).toBeNull();
        expect(after[0]!.tenant || null).toBeNull();
        expect(after[0]!.parent || null).toBeNull();
        expect(after[0]!.count).toBe('0');
        // An error inside a scope rolls the scope back too.
        await expect(
          sut.run({ workspaceId: workspaceA, tenantId: null }, async (manager) => {
            await manager.query('SELECT 1');
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        const afterError = await dataSource.query<{ count: string }[]>('SELECT count(*) AS count FROM tenants');
        expect(afterError[0]!.count).toBe('0');
      } finally {
        await dataSource.destroy();
      }
    });
  });
});
