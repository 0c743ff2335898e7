import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { waitFor } from '@switchboard/testing';

import { type CliResult, runCli } from './cli-runner.js';
import { call, type Stack, startStack } from './stack.js';

/**
 * `switchboard workspaces move|move-status|move-abort` and `instances drain` as a user runs them (the bin, a
 * child process whose stderr is a pipe) against a Hub and two instances: moves that reach `done` with their
 * `--json` shape and a line per state on stderr, the exit codes of 401/403/404/409, and a drain.
 */
describe('switchboard CLI: moving workspaces and draining instances', () => {
  let stack: Stack;
  let home: string;
  let env: Record<string, string>;
  let orgId: string;
  let moving: { id: string; apiUrl: string };
  let other: { id: string };

  const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
    runCli(home, args, { env: { ...env, ...extraEnv } });
  const hub = (method: string, path: string, body?: unknown) =>
    call(stack.hub.url, method, path, stack.adminToken, body);
  /** Exits 0 with nothing on stderr but progress lines; the `--json` stdout parsed. */
  const parsed = (result: CliResult) => {
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    return JSON.parse(result.stdout);
  };
  const placed = async (id: string) => (await hub('GET', `/org-workspaces/${id}`)).body.instanceId as string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'sb-cli-move-e2e-'));
    stack = await startStack({ instanceIds: ['instance-a', 'instance-b'] });
    env = { SWITCHBOARD_HUB_URL: stack.hub.url, SWITCHBOARD_TOKEN: stack.adminToken };
    orgId = (await hub('POST', '/orgs', { name: 'Movers' })).body.id;
    const create = (name: string) =>
      waitFor(
        async () => {
          const created = await hub('POST', '/org-workspaces', { orgId, name, instanceId: 'instance-a' });
          return created.status === 201 ? created.body : undefined;
        },
        { what: 'both instances registered', timeoutMs: 20_000 },
      );
    moving = await create('Moving');
    other = await create('Other');
    await waitFor(
      async () => ((await hub('GET', `/org-workspaces/${moving.id}`)).body.sync.state === 'synced' ? true : undefined),
      { what: 'the workspace synced', timeoutMs: 10_000 },
    );
    // Rows to copy: three tenants, created by their first token.
    for (const tenantKey of ['t-1', 't-2', 't-3']) {
      const issued = await hub('POST', `/org-workspaces/${moving.id}/access-token`, { tenantKey });
      expect((await call(moving.apiUrl, 'GET', '/self', issued.body.token)).status).toBe(200);
    }
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('moves a workspace to done: the move on stdout with --json, a line per state on stderr, exit 0', async () => {
    const never = await cli(['workspaces', 'move-status', moving.id]);
    expect(never.code).toBe(4);

    const result = await cli(['workspaces', 'move', moving.id, '--to', 'instance-b', '--json']);
    const move = parsed(result);
    expect(move).toEqual({
      id: expect.any(String),
      fromInstanceId: 'instance-a',
      toInstanceId: 'instance-b',
      state: 'done',
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
      rowsCopied: expect.any(Number),
      writePauseMs: expect.any(Number),
      error: null,
    });
    expect(move.rowsCopied).toBeGreaterThanOrEqual(4); // the workspace and its three tenants at least
    // stderr is a pipe: whole lines, one per state (or retried error), never one per poll.
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^Move ${move.id} instance-a -> instance-b: copying, \\d+ rows? copied`));
    expect(lines[lines.length - 1]).toMatch(/: done, \d+ rows copied, writes held \d+ ms$/);
    expect(new Set(lines).size).toBe(lines.length);
    expect(lines.length).toBeLessThanOrEqual(8);
    expect(await placed(moving.id)).toBe('instance-b');

    // move-status reads it (exit 0), and --wait on a move that ended done is exit 0 at once.
    expect(parsed(await cli(['workspaces', 'move-status', moving.id, '--json']))).toEqual(move);
    expect((await cli(['workspaces', 'move-status', moving.id, '--wait'])).code).toBe(0);
  }, 60_000);

  it('is exit 5 (409) to the instance it is on, or while a move of it runs; 4 (404) unknown; 2 (401); 3 (403) for an org admin', async () => {
    const there = await cli(['workspaces', 'move', moving.id, '--to', 'instance-b']);
    expect(there.code).toBe(5);
    expect(there.stderr).toBe(`error: Conflict: The workspace is on instance instance-b already.\n`);

    // A second move started at once: the first is running (409), or, if it was quick, done (409: on it already).
    const first = parsed(await cli(['workspaces', 'move', other.id, '--to', 'instance-b', '--no-wait', '--json']));
    expect(first).toMatchObject({ state: 'copying', fromInstanceId: 'instance-a', toInstanceId: 'instance-b' });
    const second = await cli(['workspaces', 'move', other.id, '--to', 'instance-b']);
    expect(second.code).toBe(5);
    expect(second.stderr).toMatch(/^error: Conflict: (A move of this workspace is running already|.* already)\.\n$/);
    const followed = parsed(await cli(['workspaces', 'move-status', other.id, '--wait', '--json']));
    expect(followed).toMatchObject({ id: first.id, state: 'done' });
    // Nothing to abort once it is done.
    const abort = await cli(['workspaces', 'move-abort', other.id]);
    expect(abort.code).toBe(5);
    expect(abort.stderr).toMatch(/^error: Conflict: /);

    const unknown = await cli(['workspaces', 'move', randomUUID(), '--to', 'instance-a']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/^error: Not found: /);
    const unauthenticated = await cli(['workspaces', 'move', moving.id, '--to', 'instance-a'], {
      SWITCHBOARD_TOKEN: 'sbp_not_a_token',
    });
    expect(unauthenticated.code).toBe(2);
    expect(unauthenticated.stderr).toMatch(/^error: Unauthorized: /);

    // An org admin may manage the workspace, but moving it needs the owner (or a platform admin).
    const user = await hub('POST', '/users', { email: 'org-admin@example.test', name: 'Org admin' });
    expect(user.status).toBe(201);
    expect((await hub('POST', `/orgs/${orgId}/members`, { userId: user.body.id, role: 'admin' })).status).toBe(201);
    const forbidden = await cli(['workspaces', 'move', moving.id, '--to', 'instance-a'], {
      SWITCHBOARD_TOKEN: user.body.token,
    });
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toMatch(/^error: Forbidden: .*owner/);
    expect(await placed(moving.id)).toBe('instance-b');
  }, 60_000);

  it('drains an instance with workspaces: exit 0 once none is left, the instance with --json; 404 and 409', async () => {
    expect(await placed(moving.id)).toBe('instance-b');
    const result = await cli(['instances', 'drain', 'instance-b', '--json']);
    const instance = parsed(result);
    expect(instance).toMatchObject({
      id: 'instance-b',
      workspaceCount: 0,
      acceptsNewWorkspaces: false,
      drain: { state: 'drained', remaining: 0 },
    });
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('Draining instance-b: 2 moves started.');
    expect(lines[lines.length - 1]).toBe('instance-b: drained, 0 workspaces left');
    expect(new Set(lines).size).toBe(lines.length);
    expect(await placed(moving.id)).toBe('instance-a');
    expect(await placed(other.id)).toBe('instance-a');

    const table = await cli(['instances', 'list']);
    expect(table.stdout).toMatch(/ DRAIN\n/);
    expect(table.stdout).toMatch(/instance-b .* drained \(0 left\)\n/);

    const unknown = await cli(['instances', 'drain', 'no-such-instance']);
    expect(unknown.code).toBe(4);
    // instance-b takes no new workspaces now: nowhere to drain instance-a to.
    const nowhere = await cli(['instances', 'drain', 'instance-a']);
    expect(nowhere.code).toBe(5);
    expect(nowhere.stderr).toMatch(/^error: No instance available: /);
  }, 60_000);
});
