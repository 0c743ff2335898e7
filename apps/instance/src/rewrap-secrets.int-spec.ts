import { Keyring } from '@switchboard/crypto';
import { rewrapSealedColumns, sealedColumnsInCatalog, withClient } from '@switchboard/persistence';

import { type InstanceHarness, json, startInstance } from '../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../test/workspace-fixture.js';
import { INSTANCE_SEALED_COLUMNS, rewrapInstanceSecrets, SCOPED_SEALED_COLUMNS } from './rewrap-secrets.js';

/** What a value is, where it is, and how it is sealed: the value itself is only compared, never printed. */
interface StoredValue {
  column: string;
  id: string;
  workspaceId: string;
  sealed: string;
}

describe('secrets:rewrap:instance', () => {
  // The fixture seals workspace secrets as the Hub would, with FIXTURE_KEYS: that is the old key.
  const oldKeyring = Keyring.parse(FIXTURE_KEYS);
  const oldVersion = oldKeyring.currentVersion;
  const newest = Keyring.generateKeySpec('new');
  const rotated = Keyring.parse(`${newest},${FIXTURE_KEYS}`);

  let instance: InstanceHarness;
  let workspaces: WorkspaceFixture[];
  const seeded: { workspace: WorkspaceFixture; tenantId: string; connectionId: string; tenantCredentials: unknown }[] =
    [];

  const call = async (method: string, path: string, token: string, body?: unknown, idempotencyKey?: string) => {
    const response = await instance.request(method, path, {
      token,
      body,
      headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
    });
    expect(response.status).toBeLessThan(300);
    return json(response);
  };

  const storedValues = () =>
    withClient(instance.database.adminUrl, async (client) => {
      const values: StoredValue[] = [];
      for (const { table, column, jsonField } of INSTANCE_SEALED_COLUMNS) {
        const workspaceId = table === 'workspaces' ? 'id' : 'workspace_id';
        // A JSON array of sealed values: one value per element, named by the row and its position.
        const { rows } = await client.query<{ id: string; workspace_id: string; sealed: string }>(
          jsonField === undefined
            ? `SELECT id::text, ${workspaceId}::text AS workspace_id, ${column} AS sealed FROM ${table}
               WHERE ${column} IS NOT NULL ORDER BY id`
            : `SELECT id::text || '#' || e.n AS id, ${workspaceId}::text AS workspace_id, e.value ->> '${jsonField}' AS sealed
               FROM ${table}, jsonb_array_elements(${column}) WITH ORDINALITY AS e(value, n) ORDER BY 1`,
        );
        values.push(
          ...rows.map((row) => ({
            column: `${table}.${column}`,
            id: row.id,
            workspaceId: row.workspace_id,
            sealed: row.sealed,
          })),
        );
      }
      return values;
    });

  const rewrap = (keyring: Keyring, options: { batchSize?: number } = {}) =>
    withClient(instance.database.appUrl, (client) => rewrapInstanceSecrets(client, keyring, options));

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
    workspaces = [await seedWorkspace(instance), await seedWorkspace(instance)];
    for (const [i, workspace] of workspaces.entries()) {
      // A rotated workspace secret, so that the previous one is stored too.
      await workspace.update({
        previousSecrets: [
          {
            sealedSecret: oldKeyring.encrypt(`earlier-secret-${i}`),
            expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
          },
          {
            sealedSecret: oldKeyring.encrypt(`earliest-secret-${i}`),
            expiresAt: new Date(Date.now() + 1_800_000).toISOString(),
          },
        ],
      });
      const admin = workspace.adminToken();
      const tenantCredentials = { apiKey: `tenant-secret-${i}` };
      // Idempotent, so that idempotency_keys holds a sealed response.
      const tenant = await call(
        'POST',
        '/tenants',
        admin,
        { internalId: 'alice', name: 'Alice', credentials: tenantCredentials },
        `rewrap-${i}`,
      );
      await call('POST', '/tenants', admin, { internalId: 'bob', name: 'Bob', credentials: { apiKey: `bob-${i}` } });
      await call('POST', '/integrations', admin, {
        key: 'crm',
        name: 'CRM',
        authType: 'oauth2',
        clientId: 'client-id',
        clientSecret: `client-secret-${i}`,
      });
      const connection = await call('POST', '/connections', admin, {
        integrationKey: 'crm',
        tenantId: tenant.id,
        credentials: { token: `connection-secret-${i}` },
      });
      seeded.push({ workspace, tenantId: tenant.id, connectionId: connection.id, tenantCredentials });
    }
  });

  afterAll(async () => {
    await instance?.close();
  });

  it('lists every sealed column of the schema, so that none is left under an old key', async () => {
    const catalog = await withClient(instance.database.adminUrl, sealedColumnsInCatalog);
    const names = (columns: { table: string; column: string }[]) =>
      columns.map(({ table, column }) => `${table}.${column}`).sort();
    expect(names(INSTANCE_SEALED_COLUMNS)).toEqual(names(catalog));
  });

  it('re-seals every stored secret of every workspace under the newest key, and only what needs it', async () => {
    const before = await storedValues();
    expect(before.every((value) => value.sealed.startsWith(`${oldVersion}:`))).toBe(true);
    const workspaceIds = workspaces.map((workspace) => workspace.snapshot.workspaceId).sort();
    for (const { table, column } of INSTANCE_SEALED_COLUMNS) {
      const inColumn = before.filter((value) => value.column === `${table}.${column}`);
      expect({
        column: `${table}.${column}`,
        workspaces: [...new Set(inColumn.map((v) => v.workspaceId))].sort(),
      }).toEqual({ column: `${table}.${column}`, workspaces: workspaceIds });
    }

    // Row-level security is forced: without a workspace's scope the app role sees none of these rows.
    const unscoped = await withClient(instance.database.appUrl, (client) =>
      rewrapSealedColumns(client, rotated, SCOPED_SEALED_COLUMNS),
    );
    expect(Object.values(unscoped).every((count) => count === 0)).toBe(true);

    // Batches of one: every batch transaction must enter its workspace's scope again.
    const counts = await rewrap(rotated, { batchSize: 1 });
    const expected = Object.fromEntries(
      INSTANCE_SEALED_COLUMNS.map(({ table, column }) => [
        `${table}.${column}`,
        before.filter((value) => value.column === `${table}.${column}`).length,
      ]),
    );
    expect(counts).toEqual(expected);

    const after = await storedValues();
    expect(after.map(({ column, id }) => `${column}:${id}`)).toEqual(before.map(({ column, id }) => `${column}:${id}`));
    const onlyNewest = Keyring.parse(newest);
    for (const [i, value] of after.entries()) {
      expect(value.sealed.startsWith('new:')).toBe(true);
      // Compared, not printed: a failure names the row, never the secret.
      expect({ ...value, same: onlyNewest.decrypt(value.sealed) === oldKeyring.decrypt(before[i]!.sealed) }).toEqual({
        ...value,
        same: true,
      });
    }

    const again = await rewrap(rotated);
    expect(Object.values(again).every((count) => count === 0)).toBe(true);
  });

  it('serves every secret with the newest key alone once re-sealed', async () => {
    await rewrap(rotated);
    // Another replica on the same database, holding the newest key only.
    const replica = await startInstance({ ENCRYPTION_KEYS: newest }, { database: instance.database });
    try {
      for (const [i, { workspace, tenantId, connectionId, tenantCredentials }] of seeded.entries()) {
        // The admin token verifies only if the workspace secret decrypts.
        const admin = workspace.adminToken();
        const read = async (path: string) => {
          const response = await replica.request('GET', path, { token: admin });
          expect(response.status).toBe(200);
          return json(response);
        };
        expect(await read(`/tenants/${tenantId}/credentials`)).toEqual({ credentials: tenantCredentials });
        expect(await read(`/connections/${connectionId}/credentials`)).toEqual({
          credentials: { token: `connection-secret-${i}` },
        });
        // The sealed first response replays.
        const replayed = await replica.request('POST', '/tenants', {
          token: admin,
          body: { internalId: 'alice', name: 'Alice', credentials: tenantCredentials },
          headers: { 'idempotency-key': `rewrap-${i}` },
        });
        expect(replayed.status).toBe(201);
        expect(replayed.headers.get('idempotent-replayed')).toBe('true');
        expect((await json(replayed)).id).toBe(tenantId);
      }
    } finally {
      await replica.close();
    }
  });

  it('stops with a sentence naming the row, never the value, when a value is sealed with a key it lacks', async () => {
    const { workspace, tenantId } = seeded[1]!;
    const stray = Keyring.parse(Keyring.generateKeySpec('stray')).encryptJson({ apiKey: 'stray-secret' });
    const sealedCredentials = () =>
      withClient(instance.database.adminUrl, async (client) => {
        const { rows } = await client.query<{ sealed_credentials: string }>(
          'SELECT sealed_credentials FROM tenants WHERE id = $1',
          [tenantId],
        );
        return rows[0]!.sealed_credentials;
      });
    const original = await sealedCredentials();
    await withClient(instance.database.adminUrl, (client) =>
      client.query('UPDATE tenants SET sealed_credentials = $1 WHERE id = $2', [stray, tenantId]),
    );
    try {
      const error = await rewrap(rotated).catch((failure: Error) => failure);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toBe(
        `tenants.sealed_credentials (workspace_id=${workspace.snapshot.workspaceId}, id=${tenantId}) is sealed with ` +
          'a key that ENCRYPTION_KEYS does not hold; add that key (after the new one) and run again.',
      );
      expect((error as Error).message).not.toContain(stray);
      expect((error as Error).message).not.toContain('stray-secret');
      expect(await sealedCredentials()).toBe(stray);
    } finally {
      await withClient(instance.database.adminUrl, (client) =>
        client.query('UPDATE tenants SET sealed_credentials = $1 WHERE id = $2', [original, tenantId]),
      );
    }
  });
});
