import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';

/**
 * A tenant field schema comes from a workspace admin, and its patterns run on
 * every tenant's fields: they run in linear time (RE2), so a pattern that
 * backtracks exponentially in JavaScript's engine answers at once instead of
 * stalling the instance for every workspace on it.
 */
describe('tenant field schema patterns', () => {
  let instance: InstanceHarness;
  let workspace: WorkspaceFixture;

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
    workspace = await seedWorkspace(instance);
  });

  afterAll(async () => {
    await instance?.close();
  });

  const call = (method: string, path: string, token: string, body?: unknown) =>
    instance.request(method, path, { token, body });

  it('checks a catastrophic-backtracking pattern in linear time, with the right answer', async () => {
    const schema = { type: 'object', properties: { a: { type: 'string', pattern: '^(a+)+$' } } };
    expect((await call('PUT', '/workspace/tenant-field-schema', workspace.adminToken(), schema)).status).toBe(200);
    // With a backtracking engine this input takes about 2^40 steps: the test would time out.
    const refused = await call('PATCH', '/self', workspace.tenantToken('redos'), {
      fields: { a: `${'a'.repeat(40)}!` },
    });
    expect(refused.status).toBe(422);
    expect(await json(refused)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'fields.a' }] });
    const accepted = await call('PATCH', '/self', workspace.tenantToken('redos'), { fields: { a: 'a'.repeat(40) } });
    expect(accepted.status).toBe(200);
    // The instance kept answering throughout.
    expect((await instance.request('GET', '/healthz')).status).toBe(200);
  });

  it('refuses, when the schema is set, a pattern RE2 cannot run in linear time (backreferences, lookaround)', async () => {
    for (const pattern of ['^(a)\\1$', '^(?=a)a$']) {
      const schema = { type: 'object', properties: { a: { type: 'string', pattern } } };
      const response = await call('PUT', '/workspace/tenant-field-schema', workspace.adminToken(), schema);
      expect({ pattern, status: response.status }).toEqual({ pattern, status: 400 });
      expect(await json(response)).toMatchObject({ code: 'validation_failed', errors: [{ field: 'schema' }] });
    }
  });
});
