import { generateKeyPairSync } from 'node:crypto';

import { getDataSourceToken } from '@nestjs/typeorm';
import { Keyring } from '@switchboard/crypto';
import jwt from 'jsonwebtoken';
import type { DataSource } from 'typeorm';

import { HubFixtures, json, type OrgFixture } from '../../test/hub-fixtures.js';
import { type HubHarness, startHub } from '../../test/hub-harness.js';
import { OrgWorkspace } from '../routing/org-workspace.entity.js';
import { toSnapshot } from '../routing/workspace-snapshot.mapper.js';

/** Org workspaces on the Hub: placement, keys, access tokens, rotation, archive, paging, secrets at rest. */
describe('org workspaces', () => {
  let hub: HubHarness;
  let fixtures: HubFixtures;
  let org: OrgFixture;
  const ws = (id: string) => `/org-workspaces/${id}`;
  const stored = (id: string) =>
    hub.app.get<DataSource>(getDataSourceToken()).getRepository(OrgWorkspace).findOneByOrFail({ id });

  beforeAll(async () => {
    hub = await startHub({ HUB_INSTANCE_DOWN_AFTER_MS: '600000' });
    fixtures = new HubFixtures(hub);
  });

  afterAll(async () => {
    await fixtures?.quiesceRelay();
    await hub?.close();
  });

  it('places a new workspace on the named instance, else on the least loaded one that is up and open', async () => {
    await fixtures.sql('DELETE FROM instances');
    const owner = await fixtures.user('placer');
    const { id: orgId } = await fixtures.ok('POST', '/orgs', owner.token, { name: 'Placement' });
    const create = (body: Record<string, unknown> = {}) =>
      fixtures.call('POST', '/org-workspaces', owner.token, { orgId, name: 'P', ...body });

    const none = await create();
    expect(none.status).toBe(503);
    expect(await json(none)).toMatchObject({ code: 'no_instance_available' });

    await fixtures.registerInstance('busy');
    await fixtures.registerInstance('idle');
    await fixtures.registerInstance('down', "now() - interval '1 hour'");
    await fixtures.registerInstance('closed');
    await fixtures.sql("UPDATE instances SET accepts_new_workspaces = false WHERE id = 'closed'");
    expect((await json(await create({ instanceId: 'busy' }))).instanceId).toBe('busy');
    expect((await json(await create({ instanceId: 'busy' }))).instanceId).toBe('busy');
    // An instance closed to new workspaces takes explicit placements from platform admins only.
    const refused = await create({ instanceId: 'closed' });
    expect(refused.status).toBe(403);
    expect(await json(refused)).toMatchObject({ code: 'forbidden', detail: expect.stringContaining('closed') });
    const platformAdmin = await fixtures.user('platform-placer', true);
    await fixtures.ok('POST', `/orgs/${orgId}/members`, owner.token, { userId: platformAdmin.id, role: 'admin' });
    const placedByAdmin = await fixtures.call('POST', '/org-workspaces', platformAdmin.token, {
      orgId,
      name: 'P',
      instanceId: 'closed',
    });
    expect(placedByAdmin.status).toBe(201);
    expect((await json(placedByAdmin)).instanceId).toBe('closed');
    expect((await json(await create())).instanceId).toBe('idle');
    expect((await json(await create())).instanceId).toBe('idle');
    // idle has 2, busy 2: ties go to the lower id; down and closed (0 and 1) are never chosen.
    expect((await json(await create())).instanceId).toBe('busy');

    const unknown = await create({ instanceId: 'nowhere' });
    expect(unknown.status).toBe(400);
    expect(await json(unknown)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'instanceId' }] });
    await fixtures.registerInstance('matrix');
    org = await fixtures.org();
  });

  it('places by labels among the instances that are up and open, and names the labels when none matches', async () => {
    const owner = await fixtures.user('labeller');
    const platformAdmin = await fixtures.user('label-admin', true);
    const { id: orgId } = await fixtures.ok('POST', '/orgs', owner.token, { name: 'Labels' });
    await fixtures.ok('POST', `/orgs/${orgId}/members`, owner.token, { userId: platformAdmin.id, role: 'admin' });
    const create = (token: string, body: Record<string, unknown>) =>
      fixtures.call('POST', '/org-workspaces', token, { orgId, name: 'L', ...body });
    const eu = { region: 'eu', tier: 'dedicated' };
    for (const id of ['eu-1', 'eu-2', 'eu-closed', 'eu-down', 'us-1']) {
      await fixtures.registerInstance(id, id === 'eu-down' ? "now() - interval '1 hour'" : 'now()');
    }
    await fixtures.sql(`UPDATE instances SET labels = $1 WHERE id IN ('eu-1', 'eu-2', 'eu-closed', 'eu-down')`, [
      JSON.stringify({ ...eu, extra: 'yes' }),
    ]);
    await fixtures.sql(`UPDATE instances SET labels = '{"region": "us", "tier": "dedicated"}' WHERE id = 'us-1'`);
    await fixtures.sql("UPDATE instances SET accepts_new_workspaces = false WHERE id = 'eu-closed'");

    // Least loaded among the matches (ties: lowest id); never the closed or the down one, not even for an admin.
    const chosen: string[] = [];
    for (const token of [owner.token, owner.token, platformAdmin.token, owner.token]) {
      const created = await create(token, { placement: { labels: eu } });
      expect(created.status).toBe(201);
      chosen.push((await json(created)).instanceId);
    }
    expect(chosen).toEqual(['eu-1', 'eu-2', 'eu-1', 'eu-2']);
    // One label narrows less: both us-1 labels are not needed.
    expect((await json(await create(owner.token, { placement: { labels: { region: 'us' } } }))).instanceId).toBe(
      'us-1',
    );

    const none = await create(owner.token, { placement: { labels: { region: 'eu', tier: 'shared' } } });
    expect(none.status).toBe(409);
    expect(await json(none)).toMatchObject({
      code: 'no_instance_available',
      detail: expect.stringContaining('region=eu, tier=shared'),
    });
    // Only the closed instance matches: automatic placement skips it for everyone.
    await fixtures.sql(`UPDATE instances SET labels = '{"only": "closed"}' WHERE id = 'eu-closed'`);
    for (const token of [owner.token, platformAdmin.token]) {
      expect((await create(token, { placement: { labels: { only: 'closed' } } })).status).toBe(409);
    }

    const both = await create(owner.token, { instanceId: 'eu-1', placement: { labels: eu } });
    expect(both.status).toBe(400);
    expect(await json(both)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'placement' }] });
    for (const labels of [{ region: 7 }, 'eu', ['eu'], { ['x'.repeat(64)]: 'eu' }]) {
      const bad = await create(owner.token, { placement: { labels } });
      expect({ labels, status: bad.status }).toEqual({ labels, status: 400 });
    }
    expect((await create(owner.token, { placement: {} })).status).toBe(400);
    expect((await create(owner.token, { placement: { labels: eu, other: 1 } })).status).toBe(400);
  });

  it('gives every workspace a globally unique key that is safe in a URL', async () => {
    const keys = new Set<string>();
    for (const name of ['Ünïcödé / name?', 'Ünïcödé / name?', '---', '日本語', 'a'.repeat(200)]) {
      const created = await fixtures.ok('POST', '/org-workspaces', org.owner.token, { orgId: org.orgId, name });
      expect(created.key).toMatch(/^[a-z0-9][a-z0-9-]{0,60}[a-z0-9]$/);
      expect(encodeURIComponent(created.key)).toBe(created.key);
      keys.add(created.key);
    }
    expect(keys.size).toBe(5);
  });

  it('pages the list with an opaque cursor and hides archived workspaces unless asked', async () => {
    const fresh = await fixtures.org({ owner: org.owner, admin: org.admin, member: org.member });
    for (let i = 0; i < 4; i++) {
      await fixtures.ok('POST', '/org-workspaces', fresh.owner.token, { orgId: fresh.orgId, name: `W${i}` });
    }
    const all: string[] = [];
    let cursor = '0';
    do {
      const page = await fixtures.ok(
        'GET',
        `/org-workspaces?orgId=${fresh.orgId}&limit=2&cursor=${cursor}`,
        org.member.token,
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      all.push(...page.items.map((item: { id: string }) => item.id));
      cursor = page.cursor;
    } while (cursor);
    expect(all).toHaveLength(5);
    expect(new Set(all).size).toBe(5);
    await fixtures.ok('POST', `${ws(all[0]!)}/archive`, fresh.admin.token);
    const active = await fixtures.ok('GET', `/org-workspaces?orgId=${fresh.orgId}`, org.member.token);
    expect(active.items.map((item: { id: string }) => item.id)).not.toContain(all[0]);
    const everything = await fixtures.ok(
      'GET',
      `/org-workspaces?orgId=${fresh.orgId}&includeArchived=true`,
      org.member.token,
    );
    expect(everything.items).toHaveLength(5);
  });

  it('issues workspace JWTs signed with the current secret, iss the workspace key, with the claims asked for', async () => {
    const { secret } = await fixtures.ok('GET', `${ws(org.workspaceId)}/secret`, org.admin.token);
    const { key } = await fixtures.ok('GET', ws(org.workspaceId), org.member.token);
    const before = Math.floor(Date.now() / 1000);
    const issued = await fixtures.ok('POST', `${ws(org.workspaceId)}/access-token`, org.admin.token, {
      tenantKey: 'customer-42',
      name: 'Customer 42',
      fields: { plan: 'gold' },
      expiresIn: 120,
    });
    const claims = jwt.verify(issued.token, secret, { algorithms: ['HS256'] }) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: key, tenantKey: 'customer-42', name: 'Customer 42', fields: { plan: 'gold' } });
    expect(claims['exp']).toBeGreaterThanOrEqual(before + 120);
    expect(claims['exp']).toBeLessThanOrEqual(before + 121);
    expect(new Date(issued.expiresAt).getTime()).toBe((claims['exp'] as number) * 1000);

    const admin = await fixtures.ok('POST', `${ws(org.workspaceId)}/access-token`, org.owner.token, { isAdmin: true });
    const adminClaims = jwt.verify(admin.token, secret) as Record<string, unknown>;
    expect(adminClaims).toMatchObject({ iss: key, isAdmin: true });
    expect((adminClaims['exp'] as number) - (adminClaims['iat'] as number)).toBe(3600);
  });

  it('rotates the secret with a grace period: the snapshot carries the previous secret until it expires', async () => {
    const keyring = Keyring.parse(hub.config.ENCRYPTION_KEYS);
    const first = (await fixtures.ok('GET', `${ws(org.workspaceId)}/secret`, org.owner.token)).secret;
    const versionBefore = (await stored(org.workspaceId)).configVersion;
    // Issued just before the rotation, so that this replica holds the workspace in its issuance cache.
    await fixtures.ok('POST', `${ws(org.workspaceId)}/access-token`, org.owner.token, { isAdmin: true });

    const rotated = await fixtures.ok('POST', `${ws(org.workspaceId)}/rotate-secret`, org.owner.token, {
      gracePeriodSeconds: 2,
    });
    expect(rotated.secret).not.toBe(first);
    expect(new Date(rotated.previousSecretExpiresAt).getTime() - Date.now()).toBeGreaterThan(1000);
    let snapshot = toSnapshot(await stored(org.workspaceId));
    expect(snapshot.version).toBe(versionBefore + 1);
    expect(keyring.decrypt(snapshot.sealedSecret)).toBe(rotated.secret);
    expect(snapshot.previousSecrets).toHaveLength(1);
    expect(keyring.decrypt(snapshot.previousSecrets[0]!.sealedSecret)).toBe(first);
    expect(snapshot.previousSecrets[0]!.expiresAt).toBe(rotated.previousSecretExpiresAt);
    // New tokens are signed with the new secret.
    const token = (await fixtures.ok('POST', `${ws(org.workspaceId)}/access-token`, org.owner.token, { isAdmin: true }))
      .token;
    expect(() => jwt.verify(token, rotated.secret)).not.toThrow();
    expect(() => jwt.verify(token, first)).toThrow(/signature/);

    // Rotating again within the grace period keeps both previous secrets, newest first, each with the
    // expiry its own rotation promised.
    const again = await fixtures.ok('POST', `${ws(org.workspaceId)}/rotate-secret`, org.owner.token, {
      gracePeriodSeconds: 60,
    });
    snapshot = toSnapshot(await stored(org.workspaceId));
    expect(keyring.decrypt(snapshot.sealedSecret)).toBe(again.secret);
    expect(snapshot.previousSecrets.map((previous) => keyring.decrypt(previous.sealedSecret))).toEqual([
      rotated.secret,
      first,
    ]);
    expect(snapshot.previousSecrets.map((previous) => previous.expiresAt)).toEqual([
      again.previousSecretExpiresAt,
      rotated.previousSecretExpiresAt,
    ]);
    // After its own grace period a previous secret is dropped by the next change; the live one stays.
    await new Promise((resolve) => setTimeout(resolve, 2100));

    // A zero grace period refuses the replaced secret at once.
    const immediate = await fixtures.ok('POST', `${ws(org.workspaceId)}/rotate-secret`, org.owner.token, {
      gracePeriodSeconds: 0,
    });
    expect(immediate.previousSecretExpiresAt).toBeNull();
    expect(
      toSnapshot(await stored(org.workspaceId)).previousSecrets.map((previous) =>
        keyring.decrypt(previous.sealedSecret),
      ),
    ).toEqual([rotated.secret]);
    // Each rotation is a configuration change for the relay.
    const outbox = await hub.app
      .get<DataSource>(getDataSourceToken())
      .query<{ version: number }[]>('SELECT version FROM routing_outbox WHERE workspace_id = $1 ORDER BY id', [
        org.workspaceId,
      ]);
    expect(outbox.map((row) => row.version).slice(-3)).toEqual([
      versionBefore + 1,
      versionBefore + 2,
      versionBefore + 3,
    ]);
  }, 15_000);

  it('keeps at most five previous secrets, dropping the oldest', async () => {
    const keyring = Keyring.parse(hub.config.ENCRYPTION_KEYS);
    const fresh = await fixtures.org({ owner: org.owner, admin: org.admin, member: org.member });
    const secrets = [(await fixtures.ok('GET', `${ws(fresh.workspaceId)}/secret`, org.owner.token)).secret as string];
    for (let i = 0; i < 6; i++) {
      const rotated = await fixtures.ok('POST', `${ws(fresh.workspaceId)}/rotate-secret`, org.owner.token, {
        gracePeriodSeconds: 3600,
      });
      secrets.push(rotated.secret as string);
    }
    const snapshot = toSnapshot(await stored(fresh.workspaceId));
    expect(keyring.decrypt(snapshot.sealedSecret)).toBe(secrets[6]);
    // Newest first: the five secrets before the current one; the very first is gone.
    expect(snapshot.previousSecrets.map((previous) => keyring.decrypt(previous.sealedSecret))).toEqual(
      secrets.slice(1, 6).reverse(),
    );
  });

  it('stops issuing tokens to an admin the moment an owner demotes them', async () => {
    const fresh = await fixtures.org({ owner: org.owner, admin: org.admin, member: org.member });
    const issue = () =>
      fixtures.call('POST', `${ws(fresh.workspaceId)}/access-token`, fresh.admin.token, { isAdmin: true });
    expect((await issue()).status).toBe(200);
    await fixtures.ok('PATCH', `/orgs/${fresh.orgId}/members/${fresh.admin.id}`, fresh.owner.token, { role: 'member' });
    expect((await issue()).status).toBe(403);
    await fixtures.ok('DELETE', `/orgs/${fresh.orgId}/members/${fresh.admin.id}`, fresh.owner.token);
    expect((await issue()).status).toBe(404);
  });

  it('archives and restores: archivedAt reaches the snapshot, tokens are not issued meanwhile', async () => {
    const fresh = await fixtures.org({ owner: org.owner, admin: org.admin, member: org.member });
    const archived = await fixtures.ok('POST', `${ws(fresh.workspaceId)}/archive`, fresh.admin.token);
    expect(archived.archivedAt).not.toBeNull();
    expect(toSnapshot(await stored(fresh.workspaceId)).archivedAt).toBe(archived.archivedAt);
    expect((await fixtures.call('POST', `${ws(fresh.workspaceId)}/archive`, fresh.admin.token)).status).toBe(409);
    const refused = await fixtures.call('POST', `${ws(fresh.workspaceId)}/access-token`, fresh.admin.token, {
      isAdmin: true,
    });
    expect(refused.status).toBe(409);

    const restored = await fixtures.ok('POST', `${ws(fresh.workspaceId)}/restore`, fresh.admin.token);
    expect(restored.archivedAt).toBeNull();
    expect(restored.sync.version).toBe(archived.sync.version + 1);
    expect(toSnapshot(await stored(fresh.workspaceId)).archivedAt).toBeNull();
    expect((await fixtures.call('POST', `${ws(fresh.workspaceId)}/restore`, fresh.admin.token)).status).toBe(409);
    expect(
      (await fixtures.call('POST', `${ws(fresh.workspaceId)}/access-token`, fresh.admin.token, { isAdmin: true }))
        .status,
    ).toBe(200);
  });

  it('changes name, settings, webhook URI and public keys, and refuses what does not parse', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const patched = await fixtures.ok('PATCH', ws(org.workspaceId), org.admin.token, {
      name: 'Renamed',
      settings: { limits: { aiCreditsRolling30DayLimit: 10 } },
      webhookUri: 'https://hooks.example.test/x',
      publicKeys: [pem],
    });
    expect(patched).toMatchObject({ name: 'Renamed', webhookUri: 'https://hooks.example.test/x', publicKeys: [pem] });
    expect(patched.sync).toMatchObject({ state: 'pending' });
    const cleared = await fixtures.ok('PATCH', ws(org.workspaceId), org.admin.token, { webhookUri: null });
    expect(cleared.webhookUri).toBeNull();
    const { publicKey: edKey } = generateKeyPairSync('ed25519');
    const { publicKey: shortRsa } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const { publicKey: p384 } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    for (const [field, value] of [
      // A private key would be shown to every member of the org; the others verify no token (RS256, ES256 only).
      ['publicKeys', [privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()]],
      ['publicKeys', [shortRsa.export({ type: 'spki', format: 'pem' }).toString()]],
      ['publicKeys', [p384.export({ type: 'spki', format: 'pem' }).toString()]],
      ['webhookUri', 'ftp://example.test/x'],
      ['webhookUri', 'javascript:alert(1)'],
      ['publicKeys', ['not a key']],
      ['publicKeys', [edKey.export({ type: 'spki', format: 'pem' }).toString()]],
      ['settings', [1, 2]],
      ['settings', { blob: 'x'.repeat(70_000) }],
    ] as const) {
      const response = await fixtures.call('PATCH', ws(org.workspaceId), org.admin.token, { [field]: value });
      const body = await json(response);
      expect({ field, status: response.status, code: body.code }).toEqual({
        field,
        status: 400,
        code: 'validation_failed',
      });
      expect(body.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
  });

  it('keeps secrets encrypted at rest and out of the audit log, and audits every secret read', async () => {
    const fresh = await fixtures.ok('POST', '/org-workspaces', org.owner.token, { orgId: org.orgId, name: 'Sealed' });
    const row = await stored(fresh.id);
    expect(row.sealedSecret).not.toContain(fresh.secret);
    expect(Keyring.parse(hub.config.ENCRYPTION_KEYS).decrypt(row.sealedSecret)).toBe(fresh.secret);
    const read = await fixtures.ok('GET', `${ws(fresh.id)}/secret`, org.admin.token);
    const rotated = await fixtures.ok('POST', `${ws(fresh.id)}/rotate-secret`, org.admin.token, {});
    const log = await fixtures.ok('GET', `/orgs/${org.orgId}/audit-log?limit=1000`, org.owner.token);
    const text = JSON.stringify(log);
    expect(text).not.toContain(read.secret);
    expect(text).not.toContain(rotated.secret);
    const actions = log.items
      .filter((entry: { targetId: string }) => entry.targetId === fresh.id)
      .map((entry: { action: string; actorUserId: string }) => [entry.action, entry.actorUserId]);
    expect(actions).toEqual([
      ['org_workspace.secret_rotated', org.admin.id],
      ['org_workspace.secret_read', org.admin.id],
      ['org_workspace.created', org.owner.id],
    ]);
    expect((await fixtures.ok('GET', ws(fresh.id), org.member.token)).secret).toBeUndefined();
  });
});
