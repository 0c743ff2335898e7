import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { waitFor } from '@switchboard/testing';

import { INSTANCE_MIGRATIONS } from '../../apps/instance/src/migrations/index.js';
import { runCli } from './cli-runner.js';
import { call, type Stack, startStack } from './stack.js';

/**
 * The `switchboard` CLI as a user runs it (the package's bin, a child process) against a Hub and an
 * instance as child processes: `--json` shapes, exit codes on 401/403/404/409, the login file's mode.
 */
describe('switchboard CLI against the real stack', () => {
  let stack: Stack;
  let home: string;
  const configFile = () => join(home, 'xdg', 'switchboard', 'config.json');

  /** Runs the bin with a private HOME and XDG_CONFIG_HOME; `stdin` is piped in when given. */
  const cli = (args: string[], options: { env?: Record<string, string>; stdin?: string } = {}) =>
    runCli(home, args, options);
  /** Runs the CLI, expects exit 0, and parses its `--json` stdout. */
  const cliJson = async (args: string[], env?: Record<string, string>) => {
    const result = await cli([...args, '--json'], { env });
    expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
    return JSON.parse(result.stdout);
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sb-cli-e2e-'));
    stack = await startStack({ instanceIds: ['instance-a'] });
    await waitFor(
      async () => ((await call(stack.hub.url, 'GET', '/users/me', stack.adminToken)).status === 200 ? true : undefined),
      { what: 'the bootstrap admin' },
    );
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('login refuses a bad token (exit 2, nothing stored), stores a good one with mode 0600, logout removes it', async () => {
    const refused = await cli(['login', '--hub-url', stack.hub.url, '--token', 'sbp_not_a_token']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: Unauthorized: /);
    expect(existsSync(configFile())).toBe(false);

    // The token through stdin, as `pass show … | switchboard login` does: not in argv.
    const login = await cli(['login', '--hub-url', stack.hub.url], { stdin: `${stack.adminToken}\n` });
    expect(login).toMatchObject({ code: 0, stdout: `Logged in to ${stack.hub.url} as admin@example.test.\n` });
    expect(statSync(configFile()).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'xdg', 'switchboard')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(configFile(), 'utf8'))).toEqual({ hubUrl: stack.hub.url, token: stack.adminToken });

    expect((await cli(['logout'])).code).toBe(0);
    expect(existsSync(configFile())).toBe(false);
    const anonymous = await cli(['orgs', 'list']);
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toContain('Not logged in');

    expect((await cli(['login', '--hub-url', stack.hub.url, '--token', stack.adminToken])).code).toBe(0);
  });

  it('SWITCHBOARD_TOKEN and SWITCHBOARD_HUB_URL override the stored login: a bad token is exit 2', async () => {
    const bad = await cli(['orgs', 'list'], { env: { SWITCHBOARD_TOKEN: 'sbp_revoked' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: Unauthorized: /);
    const unreachable = await cli(['orgs', 'list'], { env: { SWITCHBOARD_HUB_URL: 'http://127.0.0.1:1' } });
    expect(unreachable.code).toBe(7);
    expect(unreachable.stderr).toContain('Cannot reach the Hub (http://127.0.0.1:1)');
  });

  it('orgs: create, get and list with --json shapes, pages and --all; 404 is exit 4', async () => {
    const acme = await cliJson(['orgs', 'create', 'Acme']);
    expect(acme).toEqual({
      id: expect.any(String),
      name: 'Acme',
      role: 'owner',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    await cliJson(['orgs', 'create', 'Beta']);
    expect(await cliJson(['orgs', 'get', acme.id])).toEqual(acme);

    const first = await cliJson(['orgs', 'list', '--limit', '1']);
    expect(first).toEqual({ items: [expect.objectContaining({ role: 'owner' })], cursor: expect.any(String) });
    const rest = await cliJson(['orgs', 'list', '--limit', '1', '--cursor', first.cursor, '--all']);
    const all = await cliJson(['orgs', 'list', '--limit', '1', '--all']);
    expect(all.cursor).toBeNull();
    expect(all.items.map((org: { name: string }) => org.name).sort()).toEqual(['Acme', 'Beta']);
    expect([...first.items, ...rest.items]).toEqual(all.items);

    const table = await cli(['orgs', 'list']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +NAME +ROLE +CREATED$/);
    expect(table.stdout).toMatch(/ Acme +owner /);

    const missing = await cli(['orgs', 'get', randomUUID()]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toBe('error: Not found: The org was not found.\n');
    const invalid = await cli(['orgs', 'create', 'x'.repeat(201)]);
    expect(invalid.code).toBe(6);
    expect(invalid.stderr).toMatch(/^error: .*name/);
  });

  it('workspaces: create, get, list, archive twice (exit 5), restore, rotate-secret, token; tenants through the instance', async () => {
    const org = await cliJson(['orgs', 'create', 'Workspaces']);
    const created = await waitFor(
      async () => {
        const result = await cli(['workspaces', 'create', 'Acme Production', '--org', org.id, '--json']);
        return result.code === 0 ? JSON.parse(result.stdout) : undefined;
      },
      { what: 'an instance to take the workspace', timeoutMs: 10_000 },
    );
    expect(created).toMatchObject({
      orgId: org.id,
      name: 'Acme Production',
      instanceId: 'instance-a',
      apiUrl: stack.instances['instance-a']!.url,
      secret: expect.stringMatching(/^sbws_/),
      sync: { version: 1 },
    });
    const synced = (version: number) =>
      waitFor(
        async () => {
          const current = await cliJson(['workspaces', 'get', created.id]);
          return current.sync.state === 'synced' && current.sync.appliedVersion >= version ? current : undefined;
        },
        { what: `version ${version} synced`, timeoutMs: 10_000, intervalMs: 100 },
      );
    const got = await synced(1);
    expect(got).not.toHaveProperty('secret');
    expect(got.sync).toEqual({ version: 1, appliedVersion: 1, state: 'synced', lastError: null });

    const page = await cliJson(['workspaces', 'list', '--org', org.id]);
    expect(page).toEqual({ items: [got], cursor: null });
    const table = await cli(['workspaces', 'list', '--org', org.id]);
    expect(table.stdout).toMatch(/^ID +NAME +KEY +INSTANCE +SYNC +ARCHIVED\n/);
    expect(table.stdout).toContain('synced (1/1)');

    const archived = await cliJson(['workspaces', 'archive', created.id]);
    expect(archived.archivedAt).toEqual(expect.any(String));
    const again = await cli(['workspaces', 'archive', created.id]);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/^error: Conflict: /);
    expect((await cli(['workspaces', 'token', created.id])).code).toBe(5);
    expect((await cliJson(['workspaces', 'restore', created.id])).archivedAt).toBeNull();
    expect((await cli(['workspaces', 'restore', created.id])).code).toBe(5);

    const rotated = await cliJson(['workspaces', 'rotate-secret', created.id, '--grace-period', '60']);
    expect(rotated).toEqual({ secret: expect.stringMatching(/^sbws_/), previousSecretExpiresAt: expect.any(String) });
    await synced(4);

    const tenantToken = await cliJson(['workspaces', 'token', created.id, '--tenant-key', 'cust-1']);
    expect(tenantToken).toEqual({ token: expect.any(String), expiresAt: expect.any(String), apiUrl: created.apiUrl });
    // The instance creates the tenant on first sight of its token.
    const self = await call(created.apiUrl, 'GET', '/self', tenantToken.token);
    expect(self.status).toBe(200);

    const tenants = await cliJson(['tenants', 'list', '--workspace', created.id]);
    expect(tenants).toEqual({
      items: [expect.objectContaining({ id: self.body.id, internalId: 'cust-1', hasCredentials: false })],
      cursor: null,
    });
    // The first request's activity is recorded after its answer: lastActiveAt (and so isActive) may have moved since.
    const withoutActivity = ({ lastActiveAt: _at, isActive: _active, ...rest }: Record<string, unknown>) => rest;
    const fetched = (await cliJson(['tenants', 'get', self.body.id, '--workspace', created.id])) as Record<
      string,
      unknown
    >;
    expect(withoutActivity(fetched)).toEqual(withoutActivity(self.body as Record<string, unknown>));
    const tenantTable = await cli(['tenants', 'list', '--workspace', created.id, '--search', 'cust']);
    expect(tenantTable.stdout).toMatch(/^ID +INTERNAL ID +NAME +CREDENTIALS +CREATED +ARCHIVED\n/);
    expect(tenantTable.stdout).toContain('cust-1');
    expect((await cli(['tenants', 'get', randomUUID(), '--workspace', created.id])).code).toBe(4);
    expect((await cli(['workspaces', 'get', randomUUID()])).code).toBe(4);
  });

  it('instances list for a platform admin; 403 (exit 3) and 404 (exit 4) for another user', async () => {
    const instances = await cliJson(['instances', 'list']);
    expect(instances).toEqual({
      items: [
        expect.objectContaining({
          id: 'instance-a',
          status: 'up',
          apiUrl: stack.instances['instance-a']!.url,
          schemaLevel: INSTANCE_MIGRATIONS.at(-1)!.name,
        }),
      ],
      cursor: null,
    });

    const acme = (await cliJson(['orgs', 'list', '--all'])).items.find((org: { name: string }) => org.name === 'Acme');
    const user = await call(stack.hub.url, 'POST', '/users', stack.adminToken, {
      email: 'member@example.test',
      name: 'Member',
    });
    expect(user.status).toBe(201);
    const asUser = { SWITCHBOARD_TOKEN: user.body.token };
    const forbidden = await cli(['instances', 'list'], { env: asUser });
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toMatch(/^error: Forbidden: /);
    // Not a member: the org does not exist for them.
    expect((await cli(['orgs', 'get', acme.id], { env: asUser })).code).toBe(4);
    expect(await cliJson(['orgs', 'list'], asUser)).toEqual({ items: [], cursor: null });
  });
  it('universe: create, get, update, revisions, archive, restore with --json shapes; exit 3 for an org owner, 4, 5, 6 and 1', async () => {
    const asAdmin = { SWITCHBOARD_HUB_URL: stack.hub.url, SWITCHBOARD_TOKEN: stack.adminToken };
    const file = join(home, 'definition.json');
    writeFileSync(file, JSON.stringify({ auth: { type: 'oauth2' } }));
    const created = await cliJson(
      ['universe', 'create', 'connectors', '--key', 'hubspot', '--name', 'HubSpot', '--definition', `@${file}`],
      asAdmin,
    );
    expect(created).toEqual({
      id: expect.any(String),
      type: 'connector',
      key: 'hubspot',
      name: 'HubSpot',
      definition: { auth: { type: 'oauth2' } },
      revision: 1,
      universeVersion: expect.any(Number),
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      archivedAt: null,
    });
    expect(await cliJson(['universe', 'get', 'connectors', 'hubspot'], asAdmin)).toEqual(created);

    const duplicate = await cli(
      ['universe', 'create', 'connectors', '--key', 'hubspot', '--name', 'Again', '--definition', '{}'],
      { env: asAdmin },
    );
    expect(duplicate.code).toBe(5);
    expect(duplicate.stderr).toMatch(/^error: Conflict: /);

    const updated = await cliJson(
      ['universe', 'update', 'connectors', 'hubspot', '--definition', '{"auth":{"type":"apiKey"}}'],
      asAdmin,
    );
    expect(updated).toMatchObject({
      key: 'hubspot',
      name: 'HubSpot',
      revision: 2,
      definition: { auth: { type: 'apiKey' } },
    });
    expect(updated.universeVersion).toBeGreaterThan(created.universeVersion);

    const revisions = await cliJson(['universe', 'revisions', 'connectors', 'hubspot'], asAdmin);
    expect(revisions).toEqual({
      items: [
        {
          revision: 1,
          name: 'HubSpot',
          definition: { auth: { type: 'oauth2' } },
          createdBy: expect.any(String),
          createdAt: expect.any(String),
        },
        {
          revision: 2,
          name: 'HubSpot',
          definition: { auth: { type: 'apiKey' } },
          createdBy: expect.any(String),
          createdAt: expect.any(String),
        },
      ],
      cursor: null,
    });
    const revisionTable = await cli(['universe', 'revisions', 'connectors', 'hubspot'], { env: asAdmin });
    expect(revisionTable.stdout).toMatch(/^REVISION +NAME +CREATED BY +CREATED\n1 +HubSpot /);

    const archived = await cliJson(['universe', 'archive', 'connectors', 'hubspot'], asAdmin);
    expect(archived).toMatchObject({ key: 'hubspot', archivedAt: expect.any(String) });
    expect(await cliJson(['universe', 'list', 'connectors'], asAdmin)).toEqual({ items: [], cursor: null });
    const withArchived = await cliJson(['universe', 'list', 'connectors', '--include-archived'], asAdmin);
    expect(withArchived.items.map((e: { key: string }) => e.key)).toEqual(['hubspot']);
    const restored = await cliJson(['universe', 'restore', 'connectors', 'hubspot'], asAdmin);
    expect(restored).toMatchObject({ key: 'hubspot', revision: 2, archivedAt: null });
    const table = await cli(['universe', 'list', 'connectors'], { env: asAdmin });
    expect(table.stdout).toMatch(/^KEY +NAME +REVISION +UNIVERSE VERSION +UPDATED +ARCHIVED\nhubspot +HubSpot +2 /);

    // Every change reaches the instance: `instances list` shows the version it applied.
    const version = restored.universeVersion;
    await waitFor(
      async () => {
        const page = await cliJson(['instances', 'list'], asAdmin);
        return page.items[0].universeVersion >= version ? true : undefined;
      },
      { what: `universe version ${version} on instance-a`, timeoutMs: 10_000, intervalMs: 100 },
    );
    const instances = await cli(['instances', 'list'], { env: asAdmin });
    expect(instances.stdout).toMatch(/ UNIVERSE /);
    expect(instances.stdout).toMatch(new RegExp(`instance-a .* ${version} +http`));

    // An org owner is no platform admin: reads, but may not write (403, exit 3).
    const owner = await call(stack.hub.url, 'POST', '/users', stack.adminToken, {
      email: 'owner@example.test',
      name: 'Owner',
    });
    expect(owner.status).toBe(201);
    const asOwner = { SWITCHBOARD_HUB_URL: stack.hub.url, SWITCHBOARD_TOKEN: owner.body.token };
    expect((await cliJson(['orgs', 'create', 'Owned'], asOwner)).role).toBe('owner');
    const forbidden = await cli(
      ['universe', 'create', 'connectors', '--key', 'mine', '--name', 'Mine', '--definition', '{}'],
      { env: asOwner },
    );
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toMatch(/^error: Forbidden: /);
    expect((await cli(['universe', 'archive', 'connectors', 'hubspot'], { env: asOwner })).code).toBe(3);
    expect((await cliJson(['universe', 'get', 'connectors', 'hubspot'], asOwner)).revision).toBe(2);

    const missing = await cli(['universe', 'get', 'connectors', 'nope'], { env: asAdmin });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/^error: Not found: /);
    expect((await cli(['universe', 'update', 'flows', 'nope', '--definition', '{}'], { env: asAdmin })).code).toBe(4);
    const badKey = await cli(['universe', 'create', 'flows', '--key', '-bad', '--name', 'Bad', '--definition', '{}'], {
      env: asAdmin,
    });
    expect(badKey.code).toBe(6);
    expect(badKey.stderr).toMatch(/key/);
    const notJson = await cli(['universe', 'create', 'flows', '--key', 'x', '--name', 'X', '--definition', '{nope'], {
      env: asAdmin,
    });
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toContain('is not JSON');
    expect((await cli(['universe', 'list', 'widgets'], { env: asAdmin })).code).toBe(1);
  });
});
