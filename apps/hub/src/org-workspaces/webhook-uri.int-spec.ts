import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import { HubFixtures, json, type OrgFixture } from '../../test/hub-fixtures.js';
import { type HubHarness, startHub } from '../../test/hub-harness.js';
import { OrgWorkspace } from '../routing/org-workspace.entity.js';

/** One URL of every kind API.md's "Outbound URLs" refuses, with what the refusal must name. */
const REFUSED: [string, RegExp][] = [
  ['http://127.0.0.1:8080/hook', /loopback/],
  ['http://10.1.2.3/', /private/],
  ['http://192.168.1.20/hook', /private/],
  ['http://169.254.169.254/latest/meta-data/', /link-local/],
  ['http://100.64.0.1/', /carrier-grade NAT/],
  ['http://224.0.0.1/', /multicast/],
  ['http://0.0.0.0/', /unspecified/],
  ['http://255.255.255.255/', /broadcast/],
  ['http://198.18.0.1/', /reserved/],
  ['http://[::1]/', /loopback/],
  ['http://[fd00:ec2::254]/', /unique local/],
  ['http://[fe80::1]/', /link-local/],
  ['http://[::ffff:127.0.0.1]/', /IPv4-mapped/],
  ['http://[::127.0.0.1]/', /IPv4-compatible/],
  ['http://[64:ff9b::a9fe:a9fe]/', /embedding 169\.254\.169\.254/],
  ['http://2130706433/', /non-canonical numeric/],
  ['http://0x7f000001/', /non-canonical numeric/],
  ['http://0177.0.0.1/', /non-canonical numeric/],
  ['http://127.1/', /non-canonical numeric/],
  ['http://good.example.com@127.0.0.1/', /user-info/],
  ['http://localhost:8080/', /loopback name/],
  ['http://hooks.localhost/', /loopback name/],
  ['http://metadata.google.internal/computeMetadata/v1/', /cloud metadata/],
  ['http://instance-data/latest/', /cloud metadata/],
];

/** The Hub refuses a workspace webhookUri that is not a public http(s) target, and stores nothing of the change. */
describe('org workspace webhookUri: outbound URL policy', () => {
  let hub: HubHarness;
  let fixtures: HubFixtures;
  let org: OrgFixture;
  const path = () => `/org-workspaces/${org.workspaceId}`;
  const stored = () =>
    hub.app.get<DataSource>(getDataSourceToken()).getRepository(OrgWorkspace).findOneByOrFail({ id: org.workspaceId });

  beforeAll(async () => {
    hub = await startHub({ HUB_INSTANCE_DOWN_AFTER_MS: '600000' });
    fixtures = new HubFixtures(hub);
    await fixtures.registerInstance('outbound');
    org = await fixtures.org();
  });

  afterAll(async () => {
    await fixtures?.quiesceRelay();
    await hub?.close();
  });

  it('refuses every kind of non-public target with 400 outbound_url_refused and changes nothing', async () => {
    await fixtures.ok('PATCH', path(), org.admin.token, { webhookUri: 'https://hooks.example.com/switchboard' });
    const before = await stored();

    for (const [url, reason] of REFUSED) {
      const response = await fixtures.call('PATCH', path(), org.admin.token, { webhookUri: url, name: 'Changed' });
      const body = await json(response);
      expect({ url, status: response.status, type: response.headers.get('content-type'), code: body.code }).toEqual({
        url,
        status: 400,
        type: expect.stringMatching(/^application\/problem\+json/),
        code: 'outbound_url_refused',
      });
      expect(body.detail).toMatch(/^webhookUri: /);
      expect(body.detail).toMatch(reason);
      expect(body.errors).toEqual([{ field: 'webhookUri', message: expect.stringMatching(reason) }]);
    }

    // Neither the URI nor the rest of the body was stored, and no new configuration version went out.
    const after = await stored();
    expect(after).toMatchObject({
      webhookUri: 'https://hooks.example.com/switchboard',
      name: before.name,
      configVersion: before.configVersion,
    });
  });

  it('keeps the syntax check first: what is not an http(s) URL is validation_failed naming the field', async () => {
    for (const url of ['ftp://example.com/hook', 'not a url', 'https://']) {
      const response = await fixtures.call('PATCH', path(), org.admin.token, { webhookUri: url });
      expect(await json(response)).toMatchObject({
        status: 400,
        code: 'validation_failed',
        errors: [{ field: 'webhookUri' }],
      });
    }
  });

  it('tells a caller who may not manage the workspace nothing about the URL', async () => {
    const outsider = await fixtures.user('outsider');
    for (const token of [org.member.token, outsider.token]) {
      const good = await fixtures.call('PATCH', path(), token, { webhookUri: 'https://hooks.example.com/x' });
      const bad = await fixtures.call('PATCH', path(), token, { webhookUri: 'http://169.254.169.254/' });
      expect(good.status).toBeGreaterThanOrEqual(403);
      expect(bad.status).toBe(good.status);
    }
  });
});

describe('org workspace webhookUri: OUTBOUND_ALLOWED_CIDRS', () => {
  let hub: HubHarness;
  let fixtures: HubFixtures;

  beforeAll(async () => {
    hub = await startHub({ HUB_INSTANCE_DOWN_AFTER_MS: '600000', OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8,10.20.0.0/16' });
    fixtures = new HubFixtures(hub);
    await fixtures.registerInstance('outbound');
  });

  afterAll(async () => {
    await fixtures?.quiesceRelay();
    await hub?.close();
  });

  it('lets the allowed ranges through, and nothing else', async () => {
    const org = await fixtures.org();
    const path = `/org-workspaces/${org.workspaceId}`;
    for (const url of ['http://127.0.0.1:9000/hook', 'http://localhost:9000/hook', 'http://10.20.1.2/hook']) {
      expect((await fixtures.ok('PATCH', path, org.admin.token, { webhookUri: url })).webhookUri).toBe(url);
    }
    for (const url of ['http://10.21.0.1/', 'http://169.254.169.254/', 'http://2130706433/', 'http://[::1]/']) {
      const response = await fixtures.call('PATCH', path, org.admin.token, { webhookUri: url });
      expect({ url, code: (await json(response)).code }).toEqual({ url, code: 'outbound_url_refused' });
    }
  });
});
