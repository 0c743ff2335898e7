import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

import { routesOf } from '@switchboard/server';

import type { AccessRule } from '../src/auth/access.decorator.js';
import { AccessCatalog } from '../src/auth/access-catalog.js';
import { HubFixtures, json, type OrgFixture, type TestUser } from './hub-fixtures.js';
import { type HubHarness, startHub } from './hub-harness.js';

/** Served by the platform itself, outside the API description. */
const OPERATIONAL = /^\/(healthz|readyz|metrics|openapi\.json|openapi\.yaml|docs)(\/|$)/;
const SNAPSHOT = new URL('./routes.snapshot.txt', import.meta.url);
const INSTANCE = 'matrix-instance';
/** A second instance, up and accepting workspaces: where the matrix moves workspaces (nothing answers there). */
const SECOND_INSTANCE = 'matrix-instance-2';
/** An instance seen long ago, holding nothing: what the matrix drains. */
const DRAINED = 'matrix-drained';

/** The registered instance the org's workspace is not on. */
async function otherInstance(fixtures: HubFixtures, org: OrgFixture): Promise<string> {
  const workspace = await fixtures.ok('GET', `/org-workspaces/${org.workspaceId}`, org.owner.token);
  return workspace.instanceId === INSTANCE ? SECOND_INSTANCE : INSTANCE;
}

/** Starts a move of the org's workspace (it stays `copying`: no instance process answers). */
async function startMove(fixtures: HubFixtures, org: OrgFixture): Promise<void> {
  const instanceId = await otherInstance(fixtures, org);
  await fixtures.ok('POST', `/org-workspaces/${org.workspaceId}/move`, org.owner.token, { instanceId });
}

type Principal =
  | 'platform admin'
  | 'owner'
  | 'admin'
  | 'member'
  | 'user of another org'
  | 'no token'
  | 'revoked token'
  | 'expired token';
const PRINCIPALS: Principal[] = [
  'platform admin',
  'owner',
  'admin',
  'member',
  'user of another org',
  'no token',
  'revoked token',
  'expired token',
];

/** Who gets through each rule; everyone else with a valid token gets 403 (platform rule) or 404 (org rules). */
const ALLOWED: Record<AccessRule, Principal[]> = {
  'any user': ['platform admin', 'owner', 'admin', 'member', 'user of another org'],
  'platform admin': ['platform admin'],
  'org member': ['owner', 'admin', 'member'],
  'org owner or admin': ['owner', 'admin'],
  'org owner': ['owner'],
  'org owner or platform admin': ['owner', 'platform admin'],
};

function expectedStatus(rule: AccessRule, principal: Principal): 'success' | 401 | 403 | 404 {
  if (principal === 'no token' || principal === 'revoked token' || principal === 'expired token') return 401;
  if (ALLOWED[rule].includes(principal)) return 'success';
  if (rule === 'any user' || rule === 'platform admin') return 403;
  // A platform admin has no power inside orgs it is not a member of; outsiders must not learn an org exists.
  if (principal === 'platform admin' || principal === 'user of another org') return 404;
  return 403;
}

interface Case {
  org: OrgFixture;
  caller?: TestUser;
  fixtures: HubFixtures;
}
type Request = { path: string; body?: unknown };

/**
 * How to call each route on a fresh org (the caller's own things where the
 * route is about the caller). A route missing here fails the matrix.
 */
const REQUESTS: Record<string, (c: Case) => Request | Promise<Request>> = {
  'GET /users/me': () => ({ path: '/users/me' }),
  'POST /users': () => ({
    path: '/users',
    body: { email: `new-${Math.random().toString(36).slice(2)}@x.test`, name: 'N' },
  }),
  'PATCH /users/{id}': ({ org }) => ({ path: `/users/${org.member.id}`, body: { permissions: [] } }),
  'POST /users/me/tokens': () => ({ path: '/users/me/tokens', body: { name: 'matrix' } }),
  'GET /users/me/tokens': () => ({ path: '/users/me/tokens' }),
  'DELETE /users/me/tokens/{id}': async ({ caller, fixtures }) => {
    if (!caller) return { path: '/users/me/tokens/00000000-0000-4000-8000-000000000000' };
    const token = await fixtures.ok('POST', '/users/me/tokens', caller.token, { name: 'to revoke' });
    return { path: `/users/me/tokens/${token.id}` };
  },
  'POST /orgs': () => ({ path: '/orgs', body: { name: 'New org' } }),
  'GET /orgs': () => ({ path: '/orgs' }),
  'GET /orgs/{id}': ({ org }) => ({ path: `/orgs/${org.orgId}` }),
  'PATCH /orgs/{id}': ({ org }) => ({ path: `/orgs/${org.orgId}`, body: { name: 'Renamed' } }),
  'GET /orgs/{orgId}/members': ({ org }) => ({ path: `/orgs/${org.orgId}/members` }),
  'POST /orgs/{orgId}/members': async ({ org, fixtures }) => ({
    path: `/orgs/${org.orgId}/members`,
    body: { userId: (await fixtures.user('joiner')).id, role: 'member' },
  }),
  'PATCH /orgs/{orgId}/members/{userId}': ({ org }) => ({
    path: `/orgs/${org.orgId}/members/${org.member.id}`,
    body: { role: 'admin' },
  }),
  'DELETE /orgs/{orgId}/members/{userId}': ({ org }) => ({ path: `/orgs/${org.orgId}/members/${org.member.id}` }),
  'GET /orgs/{orgId}/audit-log': ({ org }) => ({ path: `/orgs/${org.orgId}/audit-log` }),
  'GET /instances': () => ({ path: '/instances' }),
  'PATCH /instances/{id}': () => ({ path: `/instances/${INSTANCE}`, body: { labels: { zone: 'a' } } }),
  'POST /org-workspaces': ({ org }) => ({ path: '/org-workspaces', body: { orgId: org.orgId, name: 'Another' } }),
  'GET /org-workspaces': ({ org }) => ({ path: `/org-workspaces?orgId=${org.orgId}` }),
  'GET /org-workspaces/{id}': ({ org }) => ({ path: `/org-workspaces/${org.workspaceId}` }),
  'PATCH /org-workspaces/{id}': ({ org }) => ({
    path: `/org-workspaces/${org.workspaceId}`,
    body: { settings: { limits: { tenantRequestsPerSecond: 5 } } },
  }),
  'GET /org-workspaces/{id}/secret': ({ org }) => ({ path: `/org-workspaces/${org.workspaceId}/secret` }),
  'POST /org-workspaces/{id}/access-token': ({ org }) => ({
    path: `/org-workspaces/${org.workspaceId}/access-token`,
    body: { tenantKey: 'tenant-1' },
  }),
  'POST /org-workspaces/{id}/rotate-secret': ({ org }) => ({
    path: `/org-workspaces/${org.workspaceId}/rotate-secret`,
    body: { gracePeriodSeconds: 60 },
  }),
  'POST /org-workspaces/{id}/archive': ({ org }) => ({ path: `/org-workspaces/${org.workspaceId}/archive` }),
  'POST /org-workspaces/{id}/move': async ({ org, fixtures }) => ({
    path: `/org-workspaces/${org.workspaceId}/move`,
    body: { instanceId: await otherInstance(fixtures, org) },
  }),
  'GET /org-workspaces/{id}/move': async ({ org, fixtures }) => {
    await startMove(fixtures, org);
    return { path: `/org-workspaces/${org.workspaceId}/move` };
  },
  'POST /org-workspaces/{id}/move/abort': async ({ org, fixtures }) => {
    await startMove(fixtures, org);
    return { path: `/org-workspaces/${org.workspaceId}/move/abort` };
  },
  'POST /instances/{id}/drain': () => ({ path: `/instances/${DRAINED}/drain` }),
  'POST /org-workspaces/{id}/restore': async ({ org, fixtures }) => {
    await fixtures.ok('POST', `/org-workspaces/${org.workspaceId}/archive`, org.owner.token);
    return { path: `/org-workspaces/${org.workspaceId}/restore` };
  },
  'GET /universe/{utype}': () => ({ path: '/universe/connectors' }),
  'GET /universe/{utype}/{key}': async ({ fixtures }) => ({
    path: `/universe/connectors/${await universeConnector(fixtures)}`,
  }),
  'GET /universe/{utype}/{key}/revisions': async ({ fixtures }) => ({
    path: `/universe/connectors/${await universeConnector(fixtures)}/revisions`,
  }),
  'POST /universe/{utype}': () => ({
    path: '/universe/connectors',
    body: { key: `matrix-${randomUUID()}`, name: 'Matrix', definition: {} },
  }),
  'PUT /universe/{utype}/{key}': async ({ fixtures }) => ({
    path: `/universe/connectors/${await universeConnector(fixtures)}`,
    body: { definition: { changed: true } },
  }),
  'DELETE /universe/{utype}/{key}': async ({ fixtures }) => ({
    path: `/universe/connectors/${await universeConnector(fixtures)}`,
  }),
  'POST /universe/{utype}/{key}/restore': async ({ fixtures }) => ({
    path: `/universe/connectors/${await universeConnector(fixtures, true)}/restore`,
  }),
};

/** A fresh universe connector (created by the bootstrap platform admin); its key. */
async function universeConnector(fixtures: HubFixtures, archived = false): Promise<string> {
  const key = `matrix-${randomUUID()}`;
  await fixtures.ok('POST', '/universe/connectors', fixtures.hub.adminToken, { key, name: 'Matrix', definition: {} });
  if (archived) await fixtures.hub.request('DELETE', `/universe/connectors/${key}`, { token: fixtures.hub.adminToken });
  return key;
}

interface Operation {
  'x-required-role'?: AccessRule;
  security?: unknown[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

/** POST routes that change nothing (API.md asks Idempotency-Key of mutating POSTs only). */
const CHANGE_NOTHING = ['POST /org-workspaces/{id}/access-token'];

describe('Hub routes: who may call what', () => {
  let hub: HubHarness;
  let fixtures: HubFixtures;
  let operations: Map<string, Operation>;
  let served: string[];
  /** Each route's rule as its `@Access` declares it: the metadata AccessGuard enforces. */
  let declared: Map<string, AccessRule | 'public' | undefined>;

  beforeAll(async () => {
    hub = await startHub({ HUB_INSTANCE_DOWN_AFTER_MS: '3600000' });
    fixtures = new HubFixtures(hub);
    await fixtures.registerInstance(INSTANCE);
    await fixtures.registerInstance(SECOND_INSTANCE);
    await fixtures.registerInstance(DRAINED, "'2000-01-01'");
    const document = (await json(await fetch(`${hub.url}/openapi.json`))) as {
      paths: Record<string, Record<string, Operation>>;
    };
    operations = new Map();
    for (const [path, byMethod] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(byMethod))
        operations.set(`${method.toUpperCase()} ${path}`, operation);
    }
    declared = new Map(
      hub.app
        .get(AccessCatalog)
        .list()
        .map((route) => [
          `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`,
          route.access === 'public' ? 'public' : route.access?.rule,
        ]),
    );
    served = [
      ...new Set(
        routesOf(hub.app)
          .filter((route) => !['HEAD', 'OPTIONS'].includes(route.method) && !OPERATIONAL.test(route.url))
          .map((route) => `${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`),
      ),
    ].sort();
  });

  afterAll(async () => {
    await fixtures?.quiesceRelay();
    await hub?.close();
  });

  it('documents every served route in /openapi.json, with its role, schemas and errors', () => {
    expect(served.length).toBeGreaterThanOrEqual(25);
    const problems: string[] = [];
    for (const route of served) {
      const operation = operations.get(route);
      if (!operation) {
        problems.push(`${route}: not in /openapi.json`);
        continue;
      }
      if (!operation['x-required-role']) problems.push(`${route}: no x-required-role`);
      if (operation['x-required-role'] !== declared.get(route)) {
        problems.push(`${route}: documents ${operation['x-required-role']} but declares ${declared.get(route)}`);
      }
      if (!operation.security?.length) problems.push(`${route}: no bearer security`);
      const success = Object.entries(operation.responses).find(([status]) => status.startsWith('2'));
      if (!success) problems.push(`${route}: no success response`);
      else if (success[0] !== '204' && !success[1].content?.['application/json']?.schema) {
        problems.push(`${route}: success response has no schema`);
      }
      for (const status of ['400', '401']) {
        if (!operation.responses[status]?.content?.['application/problem+json']) {
          problems.push(`${route}: no ${status} problem+json`);
        }
      }
      const [method] = route.split(' ');
      const mutating = method === 'POST' && !CHANGE_NOTHING.includes(route);
      if (mutating && !operation.parameters?.some((p) => p.in === 'header' && p.name === 'Idempotency-Key')) {
        problems.push(`${route}: no Idempotency-Key header`);
      }
      const bodiless = /\/(archive|restore|abort|drain)$/.test(route);
      if (
        (method === 'POST' || method === 'PATCH') &&
        !bodiless &&
        !operation.requestBody?.content['application/json']
      ) {
        problems.push(`${route}: no request body schema`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('matches the committed route snapshot: every route with the role it requires', () => {
    const lines = served.map((route) => `${route.padEnd(45)} ${declared.get(route) ?? '?'}`);
    const snapshot = `${lines.join('\n')}\n`;
    if (process.env['UPDATE_ROUTE_SNAPSHOT'] === '1') writeFileSync(SNAPSHOT, snapshot);
    expect(snapshot).toBe(readFileSync(SNAPSHOT, 'utf8'));
  });

  it('enforces the documented role on every route for every kind of caller', async () => {
    expect(served.filter((route) => !REQUESTS[route])).toEqual([]);
    const [owner, admin, member, outsider, lapsed] = await Promise.all([
      fixtures.user('owner'),
      fixtures.user('admin'),
      fixtures.user('member'),
      fixtures.user('outsider'),
      fixtures.user('lapsed'),
    ]);
    await fixtures.ok('POST', '/orgs', outsider.token, { name: 'Elsewhere' });
    const revoked = await fixtures.ok('POST', '/users/me/tokens', lapsed.token, { name: 'revoked' });
    await fixtures.ok('DELETE', `/users/me/tokens/${revoked.id}`, lapsed.token);
    const expired = await fixtures.ok('POST', '/users/me/tokens', lapsed.token, { name: 'expired' });
    await fixtures.sql(`UPDATE personal_access_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      expired.id,
    ]);
    const platformAdmin: TestUser = {
      ...(await fixtures.ok('GET', '/users/me', hub.adminToken)),
      token: hub.adminToken,
    };
    const callers: Record<Principal, TestUser | undefined> = {
      'platform admin': platformAdmin,
      owner,
      admin,
      member,
      'user of another org': outsider,
      'no token': undefined,
      'revoked token': { ...lapsed, token: revoked.token },
      'expired token': { ...lapsed, token: expired.token },
    };
    const UNAUTHENTICATED_CODES: Partial<Record<Principal, string>> = {
      'no token': 'unauthenticated',
      'revoked token': 'token_revoked',
      'expired token': 'token_expired',
    };

    const mismatches: string[] = [];
    let checked = 0;
    for (const route of served) {
      const rule = declared.get(route);
      if (!rule || rule === 'public') throw new Error(`${route} declares no access rule`);
      const [method] = route.split(' ') as [string];
      await Promise.all(
        PRINCIPALS.map(async (principal) => {
          const caller = callers[principal];
          const org = await fixtures.org({ owner: owner, admin: admin, member: member });
          const isSignedIn = !UNAUTHENTICATED_CODES[principal];
          const request = await REQUESTS[route]!({ org, caller: isSignedIn ? caller : undefined, fixtures });
          const response = await fixtures.call(method, request.path, caller?.token, request.body);
          const body = response.status === 204 ? {} : await json(response);
          const expected = expectedStatus(rule, principal);
          const ok =
            expected === 'success'
              ? response.status >= 200 && response.status < 300
              : response.status === expected &&
                response.headers.get('content-type')?.startsWith('application/problem+json') &&
                (expected !== 401 || body.code === UNAUTHENTICATED_CODES[principal]);
          checked++;
          if (!ok)
            mismatches.push(
              `${route} as ${principal}: expected ${expected}, got ${response.status} ${body.code ?? ''}`,
            );
        }),
      );
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBe(served.length * PRINCIPALS.length);
  }, 180_000);
});
