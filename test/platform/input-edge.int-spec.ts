import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';

import { HubFixtures, json } from '../../apps/hub/test/hub-fixtures.js';
import { type HubHarness, startHub } from '../../apps/hub/test/hub-harness.js';
import { type InstanceHarness, startInstance } from '../../apps/instance/test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../apps/instance/test/workspace-fixture.js';

/** Both services here give a client this long to send a whole request (HTTP_REQUEST_TIMEOUT_MS), headers 1 s. */
const REQUEST_TIMEOUT_MS = 3000;
const SHORT_TIMEOUTS = { HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), HTTP_HEADERS_TIMEOUT_MS: '1000' };

const NUL = 'a\u0000b';
const LONE_SURROGATE = 'a\ud800b';

/** A raw HTTP exchange, for what fetch will not send (a body with any content type, unknown methods). */
function raw(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Buffer,
): Promise<{ status: number; contentType: string; body: any }> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, url);
    const req = httpRequest(
      { host: target.hostname, port: target.port, method, path: target.pathname + target.search, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            body: text ? JSON.parse(text) : undefined,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const expectProblem = async (response: Response, status: number, field?: string) => {
  const body = await json(response);
  expect({ status: response.status, body }).toMatchObject({ status, body: { status } });
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(body).toMatchObject({ code: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  if (field !== undefined) expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  return body;
};

/**
 * The edge of both services (API.md, "Trust boundaries"): strings Postgres
 * cannot store, bodies that are not JSON or nest too deep, loose query
 * numbers, nulls where none is allowed, errors raised below Nest, and unique
 * violations under concurrency: each a 4xx problem+json naming what is wrong.
 */
describe('the input edge', () => {
  let hub: HubHarness;
  let fixtures: HubFixtures;
  let instance: InstanceHarness;
  let workspace: WorkspaceFixture;
  let orgId: string;
  let workspaceId: string;
  let ownerToken: string;

  beforeAll(async () => {
    hub = await startHub({ HUB_INSTANCE_DOWN_AFTER_MS: '600000', ...SHORT_TIMEOUTS });
    fixtures = new HubFixtures(hub);
    await fixtures.registerInstance('input-edge');
    const org = await fixtures.org();
    orgId = org.orgId;
    workspaceId = org.workspaceId;
    ownerToken = org.owner.token;
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS, ...SHORT_TIMEOUTS });
    workspace = await seedWorkspace(instance);
  });

  afterAll(async () => {
    await fixtures?.quiesceRelay();
    await hub?.close();
    await instance?.close();
  });

  describe('strings Postgres cannot store', () => {
    it.each([
      ['a body value', { name: NUL }, 'name'],
      ['a lone surrogate in a body value', { name: LONE_SURROGATE }, 'name'],
      ['a nested settings value', { settings: { a: { b: NUL } } }, 'settings.a.b'],
      ['a settings value in an array', { settings: { a: [1, LONE_SURROGATE] } }, 'settings.a[1]'],
      ['a settings key', { settings: { a: { ['k\u0000']: 1 } } }, 'settings.a.k\\u0000'],
      ['a lone surrogate in a key', { settings: { ['\udc00']: 1 } }, 'settings.\\udc00'],
    ])('%s is a 400 naming the field (Hub)', async (_label, body, field) => {
      const response = await hub.request('PATCH', `/org-workspaces/${workspaceId}`, { token: ownerToken, body });
      const problem = await expectProblem(response, 400, field);
      expect(problem.code).toBe('validation_failed');
    });

    it('a well-formed astral character (a surrogate pair) is stored', async () => {
      const response = await hub.request('PATCH', `/org-workspaces/${workspaceId}`, {
        token: ownerToken,
        body: { name: 'Rocket \u{1F680}' },
      });
      expect(response.status).toBe(200);
      expect((await json(response)).name).toBe('Rocket \u{1F680}');
    });

    it.each([
      ['an element definition', 'POST', '/actions', { key: 'k1', name: 'n', definition: { a: { b: NUL } } }],
      ['the tenant field schema', 'PUT', '/workspace/tenant-field-schema', { type: 'object', title: LONE_SURROGATE }],
      ['tenant fields (a key)', 'POST', '/tenants', { internalId: 'x', name: 'n', fields: { ['f\u0000']: 1 } }],
    ])('%s is a 400 (instance)', async (_label, method, path, body) => {
      await expectProblem(await instance.request(method, path, { token: workspace.adminToken(), body }), 400);
    });

    it('a query value is a 400 naming query.<name>', async () => {
      const response = await instance.request('GET', `/tenant?internalId=${encodeURIComponent(NUL)}`, {
        token: workspace.adminToken(),
      });
      await expectProblem(response, 400, 'query.internalId');
    });

    it('a path parameter is a 400 naming path.<name>', async () => {
      const response = await instance.request('GET', `/integrations/a%00b`, { token: workspace.adminToken() });
      await expectProblem(response, 400, 'path.idOrKey');
    });
  });

  describe('bodies', () => {
    const post = (headers: Record<string, string>, body: string) =>
      raw(hub.url, 'POST', '/orgs', { authorization: `Bearer ${ownerToken}`, ...headers }, body);

    it.each([
      ['text/plain', 'text/plain', '{"name":"x"}'],
      ['a form', 'application/x-www-form-urlencoded', 'name=x'],
      ['XML', 'application/xml', '<name>x</name>'],
      ['JSON in Latin-1', 'application/json; charset=iso-8859-1', '{"name":"x"}'],
      ['JSON in UTF-16', 'application/json; charset=utf-16', '{"name":"x"}'],
    ])('%s is a 415 problem', async (_label, contentType, body) => {
      const response = await post({ 'content-type': contentType }, body);
      expect(response).toMatchObject({ status: 415, body: { status: 415, code: 'unsupported_media_type' } });
      expect(response.contentType).toMatch(/^application\/problem\+json/);
    });

    it("a form content type without a body is no body (Membrane's SDK sends it on POST …/restore)", async () => {
      await hub.request('POST', `/org-workspaces/${workspaceId}/archive`, { token: ownerToken });
      const response = await raw(hub.url, 'POST', `/org-workspaces/${workspaceId}/restore`, {
        authorization: `Bearer ${ownerToken}`,
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': '0',
      });
      expect(response.status).toBe(200);
    });

    it('a body without a content type is a 415 problem', async () => {
      const response = await post({ 'content-length': '12' }, '{"name":"x"}');
      expect(response).toMatchObject({ status: 415, body: { code: 'unsupported_media_type' } });
    });

    it.each([
      ['application/json; charset=utf-8'],
      ['application/merge-patch+json'],
      ['application/json; charset=UTF-8'],
    ])('%s is accepted', async (contentType) => {
      const response = await post({ 'content-type': contentType }, JSON.stringify({ name: 'accepted' }));
      expect(response.status).toBe(201);
    });

    it('a top-level array nested 2,000 deep is a 400, on every body route', async () => {
      const deep = '['.repeat(2000) + ']'.repeat(2000);
      for (const [service, path, token] of [
        [hub.url, '/orgs', ownerToken],
        [hub.url, `/org-workspaces/${workspaceId}`, ownerToken],
        [instance.url, '/tenants', workspace.adminToken()],
      ] as const) {
        const method = path.startsWith('/org-workspaces/') ? 'PATCH' : 'POST';
        const response = await raw(
          service,
          method,
          path,
          { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          deep,
        );
        expect(response).toMatchObject({ status: 400, body: { status: 400, code: 'validation_failed' } });
      }
    });

    it('an object nested 65 deep in a field is a 400 naming the field', async () => {
      let settings: unknown = 1;
      for (let i = 0; i < 70; i++) settings = { a: settings };
      const response = await hub.request('PATCH', `/org-workspaces/${workspaceId}`, {
        token: ownerToken,
        body: { settings },
      });
      await expectProblem(response, 400, 'settings');
    });
  });

  describe('query integers', () => {
    it.each(['1e2', '0x10', ' 5', '5.0', '+5', '-0', '99999999999999999999', '', '5&limit=6'])(
      'limit=%j is a 400 naming limit',
      async (limit) => {
        const response = await instance.request('GET', `/tenants?limit=${encodeURIComponent(limit)}`, {
          token: workspace.adminToken(),
        });
        await expectProblem(response, 400, 'limit');
      },
    );

    it('limit=5 is a limit', async () => {
      const response = await instance.request('GET', '/tenants?limit=5', { token: workspace.adminToken() });
      expect(response.status).toBe(200);
    });
  });

  describe('null where the API allows none', () => {
    it.each([['name'], ['settings'], ['publicKeys']])('PATCH /org-workspaces/{id} %s: null is a 400', async (field) => {
      const response = await hub.request('PATCH', `/org-workspaces/${workspaceId}`, {
        token: ownerToken,
        body: { [field]: null },
      });
      const problem = await expectProblem(response, 400, field);
      expect(problem.errors).toContainEqual({ field, message: `${field} must not be null` });
    });

    it('PATCH /org-workspaces/{id} webhookUri: null removes it (200)', async () => {
      const response = await hub.request('PATCH', `/org-workspaces/${workspaceId}`, {
        token: ownerToken,
        body: { webhookUri: null },
      });
      expect(response.status).toBe(200);
    });

    it('PATCH /instances/{id} labels: null is a 400', async () => {
      const response = await hub.request('PATCH', '/instances/input-edge', {
        token: hub.adminToken,
        body: { labels: null },
      });
      await expectProblem(response, 400, 'labels');
    });

    it('a tenant limit of null is unlimited; a null name is a 400', async () => {
      const token = workspace.adminToken();
      const created = await instance.request('POST', '/tenants', {
        token,
        body: { internalId: 'nullable', name: 'N', aiCreditsRolling30DayLimit: null },
      });
      expect(created.status).toBe(201);
      const { id } = await json(created);
      await expectProblem(
        await instance.request('PATCH', `/tenants/${id}`, { token, body: { name: null } }),
        400,
        'name',
      );
    });
  });

  describe('errors raised below Nest', () => {
    it.each([
      ['Hub', () => hub.url],
      ['instance', () => instance.url],
    ])('%s: headers over the limit are a 431 problem', async (_label, url) => {
      const response = await raw(url(), 'GET', '/healthz', { 'x-filler': 'x'.repeat(20_000) });
      expect(response).toMatchObject({ status: 431, body: { status: 431, code: expect.any(String) } });
      expect(response.contentType).toMatch(/^application\/problem\+json/);
    });

    it.each([
      ['Hub', () => hub.url],
      ['instance', () => instance.url],
    ])('%s: an Expect other than 100-continue is a 417 problem', async (_label, url) => {
      const response = await raw(
        url(),
        'POST',
        '/orgs',
        { expect: '200-ok', 'content-type': 'application/json' },
        '{}',
      );
      expect(response).toMatchObject({ status: 417, body: { status: 417, code: 'malformed_request' } });
      expect(response.contentType).toMatch(/^application\/problem\+json/);
    });

    it.each([
      ['Hub', () => hub.url, '/orgs'],
      ['instance', () => instance.url, '/tenants'],
    ])(
      '%s: a body that stalls is a 408 problem once HTTP_REQUEST_TIMEOUT_MS has passed, and the connection is closed',
      async (_label, url, path) => {
        const target = new URL(url());
        const socket = connect(Number(target.port), target.hostname);
        await once(socket, 'connect');
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
        const started = performance.now();
        // One part of a chunked JSON body, then nothing (with a token that names nothing: it is never read).
        socket.write(
          `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer not-a-token\r\n` +
            'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n',
        );
        await once(socket, 'close');
        const elapsed = performance.now() - started;
        expect(answer.split(' ')[1]).toBe('408');
        expect(answer.toLowerCase()).toContain('content-type: application/problem+json');
        expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 408 });
        expect(elapsed).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
        expect(elapsed).toBeLessThan(REQUEST_TIMEOUT_MS + 2000);
      },
    );

    it.each([
      ['PROPFIND', '/orgs'],
      ['FOO', '/'],
      ['GET', '/no-such-route'],
      ['DELETE', '/orgs'],
    ])('%s %s is a 4xx problem', async (method, path) => {
      const response = await raw(hub.url, method, path, { authorization: `Bearer ${ownerToken}` });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.body).toMatchObject({ status: response.status, code: expect.any(String) });
      expect(response.contentType).toMatch(/^application\/problem\+json/);
    });

    it('a body over the limit is a 413 problem', async () => {
      const response = await hub.request('POST', '/orgs', { token: ownerToken, body: { name: 'x'.repeat(2_000_000) } });
      await expectProblem(response, 413);
    });

    it('malformed JSON is a 400 problem', async () => {
      const response = await raw(
        hub.url,
        'POST',
        '/orgs',
        { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
        '{"name":',
      );
      expect(response).toMatchObject({ status: 400, body: { status: 400 } });
      expect(response.contentType).toMatch(/^application\/problem\+json/);
    });
  });

  describe('bytes that are not UTF-8', () => {
    it.each([
      ['a stray 0xFF 0xFE', Buffer.from([0xff, 0xfe])],
      ['an encoded surrogate (ED A0 80)', Buffer.from([0xed, 0xa0, 0x80])],
      ['an overlong NUL (C0 80)', Buffer.from([0xc0, 0x80])],
    ])('%s in a JSON string is a 400 malformed_request, not a silent U+FFFD', async (_, bytes) => {
      const body = Buffer.concat([Buffer.from('{"name":"a'), bytes, Buffer.from('b"}')]);
      const response = await raw(
        hub.url,
        'POST',
        '/orgs',
        { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
        body,
      );
      expect(response).toMatchObject({ status: 400, body: { status: 400, code: 'malformed_request' } });
      expect(response.contentType).toMatch(/^application\/problem\+json/);
    });
  });

  describe('unique constraints under concurrency', () => {
    const race = async (times: number, send: () => Promise<Response>) => {
      const responses = await Promise.all(Array.from({ length: times }, send));
      const statuses = responses.map((response) => response.status).sort();
      const conflicts = await Promise.all(responses.filter((r) => r.status === 409).map((r) => json(r)));
      return { statuses, conflicts };
    };

    it('20 parallel POST /users with one email: one 201, nineteen 409 naming email', async () => {
      const email = `race-${Date.now()}@example.test`;
      const { statuses, conflicts } = await race(20, () =>
        hub.request('POST', '/users', { token: hub.adminToken, body: { email, name: 'Race' } }),
      );
      expect(statuses).toEqual([201, ...Array<number>(19).fill(409)]);
      for (const conflict of conflicts) expect(conflict).toMatchObject({ status: 409, code: 'conflict' });
      expect(conflicts.some((conflict) => conflict.errors?.[0]?.field === 'email')).toBe(true);
    });

    it('10 parallel POST /orgs/{id}/members with one user: one 201, the rest 409', async () => {
      const user = await fixtures.user('joiner');
      const { statuses } = await race(10, () =>
        hub.request('POST', `/orgs/${orgId}/members`, { token: ownerToken, body: { userId: user.id, role: 'member' } }),
      );
      expect(statuses[0]).toBe(201);
      expect(statuses.slice(1)).toEqual(Array<number>(9).fill(409));
    });

    it('20 parallel POST /tenants with one internalId: one 201, nineteen 409', async () => {
      const { statuses } = await race(20, () =>
        instance.request('POST', '/tenants', {
          token: workspace.adminToken(),
          body: { internalId: 'raced', name: 'Raced' },
        }),
      );
      expect(statuses).toEqual([201, ...Array<number>(19).fill(409)]);
    });

    it('20 parallel POST /integrations with one key: one 201, nineteen 409', async () => {
      const { statuses } = await race(20, () =>
        instance.request('POST', '/integrations', {
          token: workspace.adminToken(),
          body: { key: 'raced', name: 'Raced', authType: 'none' },
        }),
      );
      expect(statuses).toEqual([201, ...Array<number>(19).fill(409)]);
    });
  });
});
