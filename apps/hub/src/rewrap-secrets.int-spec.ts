import { Keyring } from '@switchboard/crypto';
import { rewrapSealedColumns, sealedColumnsInCatalog, withClient } from '@switchboard/persistence';

import { HubFixtures } from '../test/hub-fixtures.js';
import { type HubHarness, startHub, TEST_ENCRYPTION_KEYS } from '../test/hub-harness.js';
import { HUB_SEALED_COLUMNS } from './rewrap-secrets.js';

describe('secrets:rewrap', () => {
  let hub: HubHarness;
  let fixtures: HubFixtures;

  beforeAll(async () => {
    hub = await startHub({ HUB_INSTANCE_DOWN_AFTER_MS: '600000' });
    fixtures = new HubFixtures(hub);
    await fixtures.registerInstance('rewrap');
  });

  afterAll(async () => {
    await fixtures?.quiesceRelay();
    await hub?.close();
  });

  const sealedValues = () =>
    withClient(hub.database.adminUrl, async (client) => {
      const { rows } = await client.query<{ value: string }>(
        `SELECT sealed_secret AS value FROM org_workspaces
         UNION ALL SELECT e ->> 'sealedSecret' FROM org_workspaces, jsonb_array_elements(previous_sealed_secrets) AS e
         UNION ALL SELECT sealed_response FROM idempotency_keys WHERE sealed_response IS NOT NULL`,
      );
      return rows.map((row) => row.value);
    });

  it('lists every sealed column of the schema, so that none is left under an old key', async () => {
    const catalog = await withClient(hub.database.adminUrl, sealedColumnsInCatalog);
    const names = (columns: { table: string; column: string }[]) =>
      columns.map(({ table, column }) => `${table}.${column}`).sort();
    expect(names(HUB_SEALED_COLUMNS)).toEqual(names(catalog));
  });

  it('re-seals every stored secret under the newest key, and only what needs it', async () => {
    const org = await fixtures.org();
    const { secret: first } = await fixtures.ok('GET', `/org-workspaces/${org.workspaceId}/secret`, org.owner.token);
    const rotated = await fixtures.call(
      'POST',
      `/org-workspaces/${org.workspaceId}/rotate-secret`,
      org.owner.token,
      {},
      {
        'idempotency-key': 'rewrap-1',
      },
    );
    const { secret } = (await rotated.json()) as { secret: string };
    const before = await sealedValues();
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.every((value) => value.startsWith('test:'))).toBe(true);

    const newest = Keyring.generateKeySpec('v2');
    const keyring = Keyring.parse(`${newest},${TEST_ENCRYPTION_KEYS}`);
    const counts = await withClient(hub.database.appUrl, (client) =>
      rewrapSealedColumns(client, keyring, HUB_SEALED_COLUMNS),
    );
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(before.length);
    const after = await sealedValues();
    expect(after.every((value) => value.startsWith('v2:'))).toBe(true);

    // Readable with the new key alone: the old one can go.
    const onlyNewest = Keyring.parse(newest);
    const [current, previous] = await withClient(hub.database.adminUrl, async (client) => {
      const { rows } = await client.query<{ sealed_secret: string; previous_sealed_secret: string }>(
        `SELECT sealed_secret, previous_sealed_secrets -> 0 ->> 'sealedSecret' AS previous_sealed_secret
         FROM org_workspaces WHERE id = $1`,
        [org.workspaceId],
      );
      return [rows[0]!.sealed_secret, rows[0]!.previous_sealed_secret];
    });
    expect(onlyNewest.decrypt(current)).toBe(secret);
    expect(onlyNewest.decrypt(previous)).toBe(first);

    const again = await withClient(hub.database.appUrl, (client) =>
      rewrapSealedColumns(client, keyring, HUB_SEALED_COLUMNS),
    );
    expect(Object.values(again).every((count) => count === 0)).toBe(true);
  });

  it('stops with a clear message, changing nothing, when a value is sealed with a key it lacks', async () => {
    const unrelated = Keyring.parse(Keyring.generateKeySpec('v9'));
    await expect(
      withClient(hub.database.appUrl, (client) => rewrapSealedColumns(client, unrelated, HUB_SEALED_COLUMNS)),
    ).rejects.toThrow(
      /org_workspaces\.sealed_secret \(id=.*\) is sealed with a key that ENCRYPTION_KEYS does not hold/,
    );
  });
});
