import { randomUUID } from 'node:crypto';

import { withClient } from '@switchboard/persistence';
import { createTestDatabase, type TestDatabase } from '@switchboard/testing';

/**
 * The connections read policy for linked tenants (API.md, "Linked tenants";
 * migrations 1764500000000 and 1764710000000), run as the application role:
 * a child reads its parent's shared connections only while its own row names
 * the parent and the parent's row is live; an archived parent shares nothing,
 * and restoring it restores the sharing.
 */
describe('shared connections in the database', () => {
  let database: TestDatabase;
  const workspace = randomUUID();
  const otherWorkspace = randomUUID();
  const tenant: Record<string, string> = {};
  const connection: Record<string, string> = {};

  /** The connection names the app role sees in a tenant's scope, with `app.parent_tenant_id` as given. */
  const visible = (tenantId: string, parentId: string | null, workspaceId = workspace) =>
    withClient(database.appUrl, async (client) => {
      await client.query('BEGIN');
      await client.query(
        "SELECT set_config('app.workspace_id', $1, true), set_config('app.tenant_id', $2, true), set_config('app.parent_tenant_id', $3, true)",
        [workspaceId, tenantId, parentId ?? ''],
      );
      const { rows } = await client.query<{ name: string }>('SELECT name FROM connections ORDER BY name');
      // The function put the caller's scope back: its own tenant row, and only it, is still what it sees.
      const { rows: tenants } = await client.query<{ id: string }>('SELECT id FROM tenants');
      const { rows: setting } = await client.query<{ tenant: string }>(
        "SELECT current_setting('app.tenant_id') AS tenant",
      );
      await client.query('COMMIT');
      expect(tenants.map((row) => row.id)).toEqual([tenantId]);
      expect(setting[0]!.tenant).toBe(tenantId);
      return rows.map((row) => row.name);
    });
  const setArchived = (id: string, archived: boolean) =>
    withClient(database.adminUrl, (client) =>
      client.query(`UPDATE tenants SET archived_at = ${archived ? 'now()' : 'NULL'} WHERE id = $1`, [id]),
    );

  beforeAll(async () => {
    database = await createTestDatabase('instance');
    await withClient(database.adminUrl, async (client) => {
      for (const id of [workspace, otherWorkspace]) {
        await client.query(
          `INSERT INTO workspaces (id, org_id, key, name, sealed_secret, config_version)
           VALUES ($1, $1, $2, 'w', 'sealed', 1)`,
          [id, `key-${id}`],
        );
      }
      const insertTenant = async (key: string, workspaceId: string, parentId: string | null) => {
        tenant[key] = (
          await client.query<{ id: string }>(
            'INSERT INTO tenants (workspace_id, internal_id, name, parent_id) VALUES ($1, $2, $2, $3) RETURNING id',
            [workspaceId, key, parentId],
          )
        ).rows[0]!.id;
      };
      await insertTenant('parent', workspace, null);
      await insertTenant('child', workspace, tenant['parent']!);
      await insertTenant('sibling', workspace, tenant['parent']!);
      await insertTenant('stranger', workspace, null);
      await insertTenant('foreign', otherWorkspace, null);
      const integrations: Record<string, string> = {};
      for (const id of [workspace, otherWorkspace]) {
        integrations[id] = (
          await client.query<{ id: string }>(
            "INSERT INTO integrations (workspace_id, key, name, auth_type) VALUES ($1, 'crm', 'CRM', 'api-key') RETURNING id",
            [id],
          )
        ).rows[0]!.id;
      }
      const insertConnection = async (name: string, owner: string, workspaceId: string, shared: boolean) => {
        connection[name] = (
          await client.query<{ id: string }>(
            `INSERT INTO connections (workspace_id, tenant_id, integration_id, name, shared)
             VALUES ($1, $2, $3, $4, $5) RETURNING id`,
            [workspaceId, tenant[owner], integrations[workspaceId], name, shared],
          )
        ).rows[0]!.id;
      };
      await insertConnection('parent-shared', 'parent', workspace, true);
      await insertConnection('parent-private', 'parent', workspace, false);
      await insertConnection('child-own', 'child', workspace, true);
      await insertConnection('stranger-shared', 'stranger', workspace, true);
      await insertConnection('foreign-shared', 'foreign', otherWorkspace, true);
    });
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("a child reads its live parent's shared connections, and nothing else of anyone", async () => {
    expect(await visible(tenant['child']!, tenant['parent']!)).toEqual(['child-own', 'parent-shared']);
    expect(await visible(tenant['sibling']!, tenant['parent']!)).toEqual(['parent-shared']);
    expect(await visible(tenant['parent']!, null)).toEqual(['parent-private', 'parent-shared']);
    // A setting that names a tenant which is not the caller's parent shares nothing: the link in the database decides.
    expect(await visible(tenant['child']!, tenant['stranger']!)).toEqual(['child-own']);
    expect(await visible(tenant['stranger']!, tenant['parent']!)).toEqual(['stranger-shared']);
    expect(await visible(tenant['foreign']!, tenant['parent']!, otherWorkspace)).toEqual(['foreign-shared']);
  });

  it('an archived parent shares nothing with its children; restoring it restores the sharing', async () => {
    await setArchived(tenant['parent']!, true);
    try {
      expect(await visible(tenant['child']!, tenant['parent']!)).toEqual(['child-own']);
      expect(await visible(tenant['sibling']!, tenant['parent']!)).toEqual([]);
      // Its own connections stay its own (an archived tenant's token is refused before any query, API.md).
      expect(await visible(tenant['parent']!, null)).toEqual(['parent-private', 'parent-shared']);
    } finally {
      await setArchived(tenant['parent']!, false);
    }
    expect(await visible(tenant['child']!, tenant['parent']!)).toEqual(['child-own', 'parent-shared']);
    expect(await visible(tenant['sibling']!, tenant['parent']!)).toEqual(['parent-shared']);
  });

  it('the workspace scope still sees every connection of the workspace, archived parent or not', async () => {
    await setArchived(tenant['parent']!, true);
    try {
      const names = await withClient(database.appUrl, async (client) => {
        await client.query('BEGIN');
        await client.query("SELECT set_config('app.workspace_id', $1, true), set_config('app.tenant_id', '', true)", [
          workspace,
        ]);
        const { rows } = await client.query<{ name: string }>('SELECT name FROM connections ORDER BY name');
        await client.query('COMMIT');
        return rows.map((row) => row.name);
      });
      expect(names).toEqual(['child-own', 'parent-private', 'parent-shared', 'stranger-shared']);
    } finally {
      await setArchived(tenant['parent']!, false);
    }
  });
});
