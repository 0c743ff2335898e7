import { readFileSync, writeFileSync } from 'node:fs';

import { MembraneClient } from '@membranehq/sdk';

import { type InstanceHarness, json, startInstance } from '../../test/instance-harness.js';
import { type CallContext, compatibilityTable, SDK_CALLS } from '../../test/membrane-sdk-calls.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../test/workspace-fixture.js';
import { NOT_SUPPORTED_ROUTES } from './not-supported.js';

const README = new URL('../../../../README.md', import.meta.url);
const TABLE_START =
  '<!-- membrane-sdk-compatibility:start (generated from apps/instance/test/membrane-sdk-calls.ts) -->';
const TABLE_END = '<!-- membrane-sdk-compatibility:end -->';

/** The status and problem code of a failed SDK call (an axios error carrying our problem+json). */
function failureOf(error: unknown): { status?: number; code?: string; detail?: string } {
  const response = (error as { response?: { status?: number; data?: { code?: string; detail?: string } } }).response;
  return { status: response?.status, code: response?.data?.code, detail: response?.data?.detail };
}

/**
 * Membrane's own SDK driven through the fixed list of calls a typical app
 * makes (SDK_CALLS), in order, as admin and as a tenant that signs its own
 * token: each gets its checked result or its 501. The same list is the
 * README's compatibility table, kept equal here (UPDATE_README=1 rewrites it).
 */
describe("Membrane's SDK against an instance: the compatibility list", () => {
  let instance: InstanceHarness;
  let workspace: WorkspaceFixture;

  beforeAll(async () => {
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS, OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8' });
    workspace = await seedWorkspace(instance);
  });

  afterAll(async () => {
    await instance?.close();
  });

  it('answers every call of the list as the list says', async () => {
    expect(SDK_CALLS.length).toBeGreaterThanOrEqual(60);
    const context: CallContext = {
      admin: new MembraneClient({ apiUri: instance.url, token: workspace.adminToken() }),
      tenant: new MembraneClient({
        apiUri: instance.url,
        workspaceKey: workspace.snapshot.key,
        workspaceSecret: workspace.secret,
        tenantKey: 'compat-tenant',
      }),
      tenantKey: 'compat-tenant',
      saved: {},
    };
    const failures: string[] = [];
    for (const [index, entry] of SDK_CALLS.entries()) {
      const label = `#${index + 1} ${entry.call} as ${entry.as}`;
      const sdk = entry.as === 'admin' ? context.admin : context.tenant;
      let result: unknown;
      try {
        result = await entry.run(sdk, context);
      } catch (error) {
        const failure = failureOf(error);
        if (entry.outcome === 'not supported' && failure.status === 501 && failure.code === 'not_supported') continue;
        failures.push(`${label}: failed with ${failure.status ?? String(error)} ${String(failure.code ?? '')}`);
        continue;
      }
      if (entry.outcome === 'not supported') {
        failures.push(`${label}: expected 501 not_supported, got a result`);
        continue;
      }
      try {
        entry.check?.(result, context);
      } catch (error) {
        failures.push(`${label}: ${(error as Error).message.split('\n').slice(0, 12).join('\n')}`);
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('answers every route of the not-supported table with 401 without a token, and 501 naming the feature with one', async () => {
    const tenant = workspace.tenantToken('compat-table');
    const problems: string[] = [];
    for (const route of NOT_SUPPORTED_ROUTES) {
      const concrete = (value: (name: string) => string) =>
        route.path.replace(/:(\w+)/g, (_match, name: string) => value(name)).replace(/\*$/, 'some/rest');
      const path = concrete((name) => route.only?.[name]?.[0] ?? 'x');
      const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? {} : undefined;
      const anonymous = await instance.request(route.method, path, { body });
      if (anonymous.status !== 401) problems.push(`${route.method} ${path} without a token: ${anonymous.status}`);
      const response = await instance.request(route.method, path, { token: tenant, body });
      const problem = await json(response);
      if (response.status !== 501 || problem.code !== 'not_supported' || problem.detail !== route.detail) {
        problems.push(`${route.method} ${path}: ${response.status} ${problem.code} ${problem.detail}`);
      }
      if (!response.headers.get('content-type')?.startsWith('application/problem+json')) {
        problems.push(`${route.method} ${path}: not problem+json`);
      }
      if (route.only) {
        const other = await instance.request(
          route.method,
          concrete((name) => (route.only?.[name] ? 'other' : 'x')),
          {
            token: tenant,
            body,
          },
        );
        if (other.status !== 404)
          problems.push(`${route.method} ${path} with a parameter outside only: ${other.status}`);
      }
    }
    expect(problems).toEqual([]);
    expect(new Set(NOT_SUPPORTED_ROUTES.map((route) => `${route.method} ${route.path}`)).size).toBe(
      NOT_SUPPORTED_ROUTES.length,
    );
  }, 60_000);

  it("keeps the README's compatibility table equal to the list", () => {
    const readme = readFileSync(README, 'utf8');
    const start = readme.indexOf(TABLE_START);
    const end = readme.indexOf(TABLE_END);
    const expected = `${TABLE_START}\n${compatibilityTable()}\n${TABLE_END}`;
    if (process.env['UPDATE_README'] === '1' && start >= 0 && end > start) {
      writeFileSync(README, readme.slice(0, start) + expected + readme.slice(end + TABLE_END.length));
      return;
    }
    expect(start).toBeGreaterThanOrEqual(0);
    expect(readme.slice(start, end + TABLE_END.length)).toBe(expected);
  });
});
