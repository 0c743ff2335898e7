import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

import { HubFixtures, json, type OrgFixture } from '../../test/hub-fixtures.js';
import { type HubHarness, startHub } from '../../test/hub-harness.js';
import { OrgWorkspace } from '../routing/org-workspace.entity.js';

/** Workspace limits are checked on the Hub; an archived workspace is frozen until restored. */
describe('org workspace settings and archived workspaces', () => {
  let hub: HubHarness;
  let fixtures: HubFixtures;
  let org: OrgFixture;
  const ws = (id: string) => `/org-workspaces/${id}`;
  const stored = (id: string) =>
    hub.app.get<DataSource>(getDataSourceToken()).getRepository(OrgWorkspace).findOneByOrFail({ id });

  beforeAll(async () => {
    hub = await startHub({ HUB_INSTANCE_DOWN_AFTER_MS: '600000' });
    fixtures = new HubFixtures(hub);
    await fixtures.registerInstance('settings-instance');
    org = await fixtures.org();
  });

  afterAll(async () => {
    await fixtures?.quiesceRelay();
    await hub?.close();
  });

  describe('settings.limits', () => {
    it.each([
      [{ aiCreditsRolling30DayLimit: 1000, tenantRequestsPerSecond: 5 }],
      [{ aiCreditsRolling30DayLimit: 0 }],
      [{ aiCreditsRolling30DayLimit: 12.5, tenantRequestsPerSecond: 1 }],
      [{ aiCreditsRolling30DayLimit: null, tenantRequestsPerSecond: null }],
      [{}],
    ])('accepts limits %j and keeps them', async (limits) => {
      const patched = await fixtures.ok('PATCH', ws(org.workspaceId), org.admin.token, {
        settings: { theme: 'dark', limits },
      });
      expect(patched.settings).toEqual({ theme: 'dark', limits });
    });

    it('accepts settings without limits, and limits: null (no limits)', async () => {
      expect(
        (await fixtures.ok('PATCH', ws(org.workspaceId), org.admin.token, { settings: { a: 1 } })).settings,
      ).toEqual({ a: 1 });
      const cleared = await fixtures.ok('PATCH', ws(org.workspaceId), org.admin.token, { settings: { limits: null } });
      expect(cleared.settings).toEqual({ limits: null });
    });

    it.each([
      ['a rate of 0 (a lock-out)', { tenantRequestsPerSecond: 0 }, 'settings.limits.tenantRequestsPerSecond'],
      ['a fractional rate', { tenantRequestsPerSecond: 0.5 }, 'settings.limits.tenantRequestsPerSecond'],
      ['a negative rate', { tenantRequestsPerSecond: -3 }, 'settings.limits.tenantRequestsPerSecond'],
      ['a rate as a string', { tenantRequestsPerSecond: '5' }, 'settings.limits.tenantRequestsPerSecond'],
      ['a huge rate', { tenantRequestsPerSecond: 1e12 }, 'settings.limits.tenantRequestsPerSecond'],
      ['a negative credit limit', { aiCreditsRolling30DayLimit: -1 }, 'settings.limits.aiCreditsRolling30DayLimit'],
      [
        'a credit limit as a string',
        { aiCreditsRolling30DayLimit: '10' },
        'settings.limits.aiCreditsRolling30DayLimit',
      ],
      [
        'a credit limit as an object',
        { aiCreditsRolling30DayLimit: { n: 1 } },
        'settings.limits.aiCreditsRolling30DayLimit',
      ],
      [
        'a credit limit as a boolean',
        { aiCreditsRolling30DayLimit: true },
        'settings.limits.aiCreditsRolling30DayLimit',
      ],
      ['an unknown limit', { tenantRequestsPerMinute: 10 }, 'settings.limits.tenantRequestsPerMinute'],
      ['limits as an array', [1, 2], 'settings.limits'],
      ['limits as a number', 5, 'settings.limits'],
    ])('refuses %s with 400 naming the field, changing nothing', async (_, limits, field) => {
      const before = await stored(org.workspaceId);
      const response = await fixtures.call('PATCH', ws(org.workspaceId), org.admin.token, {
        name: 'Should not apply',
        settings: { limits },
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = await json(response);
      expect(problem.code).toBe('validation_failed');
      expect(problem.errors.map((error: { field: string }) => error.field)).toEqual([field]);
      const after = await stored(org.workspaceId);
      expect(after.configVersion).toBe(before.configVersion);
      expect(after.name).toBe(before.name);
    });

    it('names every bad limit at once', async () => {
      const response = await fixtures.call('PATCH', ws(org.workspaceId), org.admin.token, {
        settings: { limits: { tenantRequestsPerSecond: 0, aiCreditsRolling30DayLimit: -5, extra: 1 } },
      });
      const problem = await json(response);
      expect(problem.errors.map((error: { field: string }) => error.field).sort()).toEqual([
        'settings.limits.aiCreditsRolling30DayLimit',
        'settings.limits.extra',
        'settings.limits.tenantRequestsPerSecond',
      ]);
    });

    it('checks limits for the org admin only: another org gets 404, whatever the body', async () => {
      const other = await fixtures.org();
      for (const settings of [{ limits: { tenantRequestsPerSecond: 5 } }, { limits: { tenantRequestsPerSecond: 0 } }]) {
        const response = await fixtures.call('PATCH', ws(org.workspaceId), other.owner.token, { settings });
        // Validation of the body may answer first (400) for a bad one; never a change, never a 5xx.
        expect([400, 404]).toContain(response.status);
      }
      const good = await fixtures.call('PATCH', ws(org.workspaceId), other.owner.token, {
        settings: { limits: { tenantRequestsPerSecond: 5 } },
      });
      expect(good.status).toBe(404);
    });
  });

  describe('settings.allowedOrigins', () => {
    it('accepts serialized origins, "*" and null, and keeps them', async () => {
      for (const allowedOrigins of [['https://app.example.com', 'http://localhost:3000'], ['*'], null, []]) {
        const patched = await fixtures.ok('PATCH', ws(org.workspaceId), org.admin.token, {
          settings: { allowedOrigins },
        });
        expect(patched.settings).toEqual({ allowedOrigins });
      }
    });

    it.each([
      ['a trailing slash', ['https://app.example.com/'], 'settings.allowedOrigins[0]'],
      ['a path', ['https://ok.example.com', 'https://app.example.com/app'], 'settings.allowedOrigins[1]'],
      ['a partial wildcard', ['https://*.example.com'], 'settings.allowedOrigins[0]'],
      ['"null"', ['null'], 'settings.allowedOrigins[0]'],
      ['a number', [443], 'settings.allowedOrigins[0]'],
      ['a string instead of a list', 'https://app.example.com', 'settings.allowedOrigins'],
      ['101 origins', Array.from({ length: 101 }, (_, i) => `https://a${i}.example.com`), 'settings.allowedOrigins'],
    ])('refuses %s with 400 naming the entry, changing nothing', async (_, allowedOrigins, field) => {
      const before = await stored(org.workspaceId);
      const response = await fixtures.call('PATCH', ws(org.workspaceId), org.admin.token, {
        settings: { allowedOrigins },
      });
      expect(response.status).toBe(400);
      const problem = await json(response);
      expect(problem.code).toBe('validation_failed');
      expect(problem.errors.map((error: { field: string }) => error.field)).toEqual([field]);
      expect((await stored(org.workspaceId)).configVersion).toBe(before.configVersion);
    });
  });

  describe('an archived workspace', () => {
    it('refuses PATCH, rotate-secret and access tokens with 409 workspace_archived, and accepts them after restore', async () => {
      const fresh = await fixtures.ok('POST', '/org-workspaces', org.owner.token, { orgId: org.orgId, name: 'Frozen' });
      await fixtures.ok('POST', `${ws(fresh.id)}/archive`, org.admin.token);
      const before = await stored(fresh.id);
      const attempts = [
        ['PATCH', ws(fresh.id), { name: 'Thawed' }],
        ['PATCH', ws(fresh.id), { settings: { limits: { tenantRequestsPerSecond: 3 } } }],
        ['POST', `${ws(fresh.id)}/rotate-secret`, {}],
        ['POST', `${ws(fresh.id)}/rotate-secret`, { gracePeriodSeconds: 0 }],
        ['POST', `${ws(fresh.id)}/access-token`, { isAdmin: true }],
      ] as const;
      for (const [method, path, body] of attempts) {
        const response = await fixtures.call(method, path, org.admin.token, body);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect({ method, path, status: response.status, code: (await json(response)).code }).toEqual({
          method,
          path,
          status: 409,
          code: 'workspace_archived',
        });
      }
      const after = await stored(fresh.id);
      expect(after.configVersion).toBe(before.configVersion);
      expect(after.name).toBe('Frozen');
      expect(after.sealedSecret).toBe(before.sealedSecret);

      await fixtures.ok('POST', `${ws(fresh.id)}/restore`, org.admin.token);
      expect((await fixtures.ok('PATCH', ws(fresh.id), org.admin.token, { name: 'Thawed' })).name).toBe('Thawed');
      expect((await fixtures.ok('POST', `${ws(fresh.id)}/rotate-secret`, org.admin.token, {})).secret).toBeTruthy();
    });

    it('answers another org 404 for an archived workspace, not 409', async () => {
      const fresh = await fixtures.ok('POST', '/org-workspaces', org.owner.token, { orgId: org.orgId, name: 'Hidden' });
      await fixtures.ok('POST', `${ws(fresh.id)}/archive`, org.admin.token);
      const other = await fixtures.org();
      expect((await fixtures.call('PATCH', ws(fresh.id), other.owner.token, { name: 'x' })).status).toBe(404);
      expect((await fixtures.call('POST', `${ws(fresh.id)}/rotate-secret`, other.owner.token, {})).status).toBe(404);
    });
  });
});
