import { HubFixtures, json, type OrgFixture } from './hub-fixtures.js';
import { type HubHarness, startHub } from './hub-harness.js';

const UUID = '00000000-0000-4000-8000-000000000000';
// Fastify refuses a path parameter over 100 characters (414) before the API sees it; see the last test.
const BAD_IDS = ['not-a-uuid', "1'%3B%20drop%20table%20users", '%00', '%E2%80%AE', 'x'.repeat(100)];

interface BadCase {
  method: string;
  path: string;
  body?: unknown;
  /** The field a validation error must name (for body and query problems). */
  field?: string;
  /** Who calls: the org's owner unless the route is for platform admins. */
  as?: 'owner' | 'platform admin';
}

/**
 * Bad input on every body field, query parameter and path parameter of every
 * Hub route: a 4xx problem+json that names what is wrong, never a 5xx.
 */
describe('Hub routes refuse bad input with a 4xx problem', () => {
  let hub: HubHarness;
  let fixtures: HubFixtures;
  let org: OrgFixture;

  beforeAll(async () => {
    hub = await startHub({ HUB_INSTANCE_DOWN_AFTER_MS: '600000' });
    fixtures = new HubFixtures(hub);
    await fixtures.registerInstance('bad-input');
    org = await fixtures.org();
  });

  afterAll(async () => {
    await fixtures?.quiesceRelay();
    await hub?.close();
  });

  const cases = (): BadCase[] => {
    const o = org.orgId;
    const w = `/org-workspaces/${org.workspaceId}`;
    const body = (method: string, path: string, field: string, values: unknown[], base = {}, as?: BadCase['as']) =>
      values.map((value) => ({ method, path, body: { ...base, [field]: value }, field, as }));
    const missing = (
      method: string,
      path: string,
      field: string,
      base: Record<string, unknown>,
      as?: BadCase['as'],
    ) => {
      const { [field]: _dropped, ...rest } = base;
      return { method, path, body: rest, field, as };
    };
    const unknownField = (method: string, path: string, base: Record<string, unknown>, as?: BadCase['as']) => ({
      method,
      path,
      body: { ...base, isOwner: true },
      field: 'isOwner',
      as,
    });
    const badPaths = (method: string, template: string, body?: unknown, as?: BadCase['as']) =>
      BAD_IDS.map((id) => ({ method, path: template.replace('{}', id), body, as }));
    const user = { email: 'new@example.test', name: 'New' };
    const member = { userId: org.admin.id, role: 'member' };
    return [
      // Users and tokens.
      ...body('POST', '/users', 'email', ['not-an-email', 42, `${'a'.repeat(320)}@x.test`, ''], user, 'platform admin'),
      ...body('POST', '/users', 'name', ['', 7, 'n'.repeat(201)], user, 'platform admin'),
      ...body('POST', '/users', 'isPlatformAdmin', ['yes', 1], user, 'platform admin'),
      missing('POST', '/users', 'email', user, 'platform admin'),
      missing('POST', '/users', 'name', user, 'platform admin'),
      unknownField('POST', '/users', user, 'platform admin'),
      ...body('POST', '/users/me/tokens', 'name', ['', 'n'.repeat(101), 3], { name: 'ci' }),
      ...body('POST', '/users/me/tokens', 'expiresAt', ['tomorrow', '2001-01-01T00:00:00Z', 1700000000], {
        name: 'ci',
      }),
      missing('POST', '/users/me/tokens', 'name', { name: 'ci' }),
      unknownField('POST', '/users/me/tokens', { name: 'ci' }),
      ...badPaths('DELETE', '/users/me/tokens/{}'),
      // Orgs, members, audit log.
      ...body('POST', '/orgs', 'name', ['', 'n'.repeat(201), ['a'], null]),
      missing('POST', '/orgs', 'name', { name: 'x' }),
      unknownField('POST', '/orgs', { name: 'x' }),
      ...badPaths('GET', '/orgs/{}'),
      ...badPaths('PATCH', '/orgs/{}', { name: 'x' }),
      ...body('PATCH', `/orgs/${o}`, 'name', ['', 5]),
      unknownField('PATCH', `/orgs/${o}`, { name: 'x' }),
      ...badPaths('GET', '/orgs/{}/members'),
      ...badPaths('POST', '/orgs/{}/members', member),
      ...body('POST', `/orgs/${o}/members`, 'userId', ['nope', 12, '']),
      ...body('POST', `/orgs/${o}/members`, 'role', ['king', 'OWNER', 1, null]),
      missing('POST', `/orgs/${o}/members`, 'userId', member),
      missing('POST', `/orgs/${o}/members`, 'role', member),
      unknownField('POST', `/orgs/${o}/members`, member),
      ...badPaths('PATCH', `/orgs/{}/members/${org.member.id}`, { role: 'admin' }),
      ...badPaths('PATCH', `/orgs/${o}/members/{}`, { role: 'admin' }),
      ...body('PATCH', `/orgs/${o}/members/${org.member.id}`, 'role', ['king', null]),
      unknownField('PATCH', `/orgs/${o}/members/${org.member.id}`, { role: 'admin' }),
      ...badPaths('DELETE', `/orgs/{}/members/${org.member.id}`),
      ...badPaths('DELETE', `/orgs/${o}/members/{}`),
      ...badPaths('GET', '/orgs/{}/audit-log'),
      ...['limit=0', 'limit=1001', 'limit=abc', 'cursor=%%%', 'cursor=bm90LWEtY3Vyc29y', 'extra=1'].map((query) => ({
        method: 'GET',
        path: `/orgs/${o}/audit-log?${query}`,
      })),
      // Instances.
      ...body('PATCH', '/instances/bad-input', 'acceptsNewWorkspaces', ['yes', 0], {}, 'platform admin'),
      ...body(
        'PATCH',
        '/instances/bad-input',
        'labels',
        [['a'], { a: 1 }, 'x', Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']))],
        {},
        'platform admin',
      ),
      unknownField('PATCH', '/instances/bad-input', {}, 'platform admin'),
      ...badPaths('PATCH', '/instances/{}', { acceptsNewWorkspaces: false }, 'platform admin'),
      // Org workspaces.
      ...body('POST', '/org-workspaces', 'orgId', ['nope', 1, null], { name: 'W' }),
      ...body('POST', '/org-workspaces', 'name', ['', 'n'.repeat(201), {}], { orgId: o }),
      ...body('POST', '/org-workspaces', 'instanceId', ['UPPER', 'a b', 5, 'x'.repeat(64)], { orgId: o, name: 'W' }),
      missing('POST', '/org-workspaces', 'orgId', { orgId: o, name: 'W' }),
      missing('POST', '/org-workspaces', 'name', { orgId: o, name: 'W' }),
      unknownField('POST', '/org-workspaces', { orgId: o, name: 'W' }),
      ...['', 'orgId=nope', `orgId=${o}&includeArchived=maybe`, `orgId=${o}&limit=5000`, `orgId=${o}&cursor=%%%`].map(
        (query) => ({ method: 'GET', path: `/org-workspaces?${query}` }),
      ),
      ...badPaths('GET', '/org-workspaces/{}'),
      ...badPaths('PATCH', '/org-workspaces/{}', { name: 'x' }),
      ...body('PATCH', w, 'name', ['', 'n'.repeat(201), 1]),
      ...body('PATCH', w, 'settings', ['x', [1], 3, { big: 'x'.repeat(70_000) }]),
      ...body('PATCH', w, 'webhookUri', ['ftp://x.test', 'not a url', 'javascript:alert(1)', 5, 'https://']),
      ...body('PATCH', w, 'publicKeys', ['pem', ['not a key'], [1], Array.from({ length: 11 }, () => 'k')]),
      unknownField('PATCH', w, {}),
      ...badPaths('GET', '/org-workspaces/{}/secret'),
      ...badPaths('POST', '/org-workspaces/{}/access-token', { isAdmin: true }),
      ...body('POST', `${w}/access-token`, 'isAdmin', ['true', 1], { tenantKey: 't' }),
      ...body('POST', `${w}/access-token`, 'tenantId', ['t-1', 5]),
      ...body('POST', `${w}/access-token`, 'tenantKey', ['', 't'.repeat(201), 5]),
      ...body('POST', `${w}/access-token`, 'name', [5, 'n'.repeat(201)], { tenantKey: 't' }),
      ...body('POST', `${w}/access-token`, 'fields', ['x', 5], { tenantKey: 't' }),
      ...body('POST', `${w}/access-token`, 'expiresIn', [0, -1, 2_592_001, 1.5, '60'], { tenantKey: 't' }),
      { method: 'POST', path: `${w}/access-token`, body: {}, field: 'tenantKey' },
      { method: 'POST', path: `${w}/access-token`, body: { isAdmin: true, tenantKey: 't' }, field: 'isAdmin' },
      unknownField('POST', `${w}/access-token`, { tenantKey: 't' }),
      ...badPaths('POST', '/org-workspaces/{}/rotate-secret', {}),
      ...body('POST', `${w}/rotate-secret`, 'gracePeriodSeconds', [-1, 604_801, 'x', 1.5]),
      unknownField('POST', `${w}/rotate-secret`, {}),
      ...badPaths('POST', '/org-workspaces/{}/archive'),
      ...badPaths('POST', '/org-workspaces/{}/restore'),
      // A body that is not JSON, and the wrong type of body.
      { method: 'POST', path: '/orgs', body: '{"name": ' },
      { method: 'POST', path: '/orgs', body: [1, 2] },
    ];
  };

  it('answers every bad input with a 4xx problem+json, naming the field', async () => {
    const all = cases();
    expect(all.length).toBeGreaterThan(150);
    const wrong: string[] = [];
    for (const c of all) {
      const token = c.as === 'platform admin' ? hub.adminToken : org.owner.token;
      const response = await fetch(`${hub.url}${c.path}`, {
        method: c.method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(c.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : JSON.stringify(c.body),
      });
      const label = `${c.method} ${c.path.slice(0, 90)} ${JSON.stringify(c.body)?.slice(0, 80) ?? ''}`;
      const type = response.headers.get('content-type') ?? '';
      const problem = type.startsWith('application/problem+json') ? await json(response) : undefined;
      if (response.status < 400 || response.status >= 500 || !problem) {
        wrong.push(`${label} → ${response.status} ${type}`);
        continue;
      }
      if (problem.status !== response.status || !problem.code || !problem.detail) {
        wrong.push(`${label} → a problem without status, code or detail`);
      }
      // A bad path parameter may be 400 or 404 (API.md); a bad body or query is 400 and names the field.
      if (c.field) {
        const named = (problem.errors ?? []).some((error: { field: string }) => error.field.startsWith(c.field!));
        if (response.status !== 400 || !named) {
          wrong.push(`${label} → ${response.status} ${problem.code} without naming ${c.field}`);
        }
      } else if (![400, 404].includes(response.status)) {
        wrong.push(`${label} → ${response.status} ${problem.code}`);
      }
    }
    expect(wrong).toEqual([]);
    // Nothing bad was created or changed.
    const workspace = await fixtures.ok('GET', `/org-workspaces/${org.workspaceId}`, org.owner.token);
    expect(workspace).toMatchObject({ name: 'Workspace', settings: {}, webhookUri: null, archivedAt: null });
    expect((await fixtures.ok('GET', '/orgs', org.owner.token)).items).toHaveLength(1);
  }, 60_000);

  it('refuses ids that are well formed but unknown with 404', async () => {
    for (const [method, path] of [
      ['GET', `/orgs/${UUID}`],
      ['GET', `/org-workspaces/${UUID}`],
      ['GET', `/org-workspaces/${UUID}/secret`],
      ['DELETE', `/users/me/tokens/${UUID}`],
      ['PATCH', `/orgs/${org.orgId}/members/${UUID}`],
    ] as const) {
      const response = await fixtures.call(
        method,
        path,
        org.owner.token,
        method === 'PATCH' ? { role: 'admin' } : undefined,
      );
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
  });
});
