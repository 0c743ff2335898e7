import { runMigrations, withClient } from '@switchboard/persistence';
import { waitFor } from '@switchboard/testing';

import { INSTANCE_MIGRATIONS } from '../../apps/instance/src/migrations/index.js';
import { undoLastMigrations } from '../../apps/instance/src/migrations/undo-migrations.testing.js';
import { MOVED_TABLES } from '../../apps/instance/src/moves/moved-tables.js';
import { accessToken, call, type Stack, startStack } from './stack.js';

interface Workspace {
  id: string;
  apiUrl: string;
}

/** The level of an instance whose database has every migration, and of one that lacks the last. */
const CURRENT = INSTANCE_MIGRATIONS.at(-1)!.name;
const PREVIOUS = INSTANCE_MIGRATIONS.at(-2)!.name;

/**
 * Moves between instances at different schema levels (issue 14: during a rolling upgrade, one instance has
 * run a migration the other has not), with the built Hub and two instances as processes. An instance's
 * level is what its database holds: an older instance is made for real by undoing its last migration, and
 * an upgrade by running it again, each while the instance runs; the instance reads the level from its
 * `migrations` table and sends it with its heartbeats over NATS. A move to an instance at another level is
 * refused with `409 instance_schema_mismatch` and moves nothing; a move during which one side is upgraded
 * fails with that reason, the source authoritative, instead of staying in `copying`.
 */
describe('moving a workspace between instances at different schema levels', () => {
  let stack: Stack;
  let orgId: string;

  const hub = (method: string, path: string, body?: unknown) =>
    call(stack.hub.url, method, path, stack.adminToken, body);
  const sql = async <T = Record<string, unknown>>(database: string, text: string, params: unknown[]): Promise<T[]> =>
    withClient(
      database === 'hub' ? stack.hubDatabase.adminUrl : stack.instanceDatabases[database]!.adminUrl,
      async (client) => (await client.query(text, params)).rows as T[],
    );
  const count = async (database: string, text: string, params: unknown[]): Promise<number> =>
    Number((await sql<{ n: number }>(database, text, params))[0]?.n ?? 0);
  const moveOf = async (workspaceId: string) => (await hub('GET', `/org-workspaces/${workspaceId}/move`)).body;
  const levels = async (): Promise<Record<string, string | null>> =>
    Object.fromEntries(
      ((await hub('GET', '/instances')).body.items as { id: string; schemaLevel: string | null }[]).map((instance) => [
        instance.id,
        instance.schemaLevel,
      ]),
    );
  /** Waits until GET /instances shows these levels: the instances' heartbeats carry what their databases hold. */
  const levelsShown = (expected: Record<string, string>) =>
    waitFor(
      async () => {
        const shown = await levels();
        return Object.entries(expected).every(([id, level]) => shown[id] === level) ? shown : undefined;
      },
      { what: `levels ${JSON.stringify(expected)} on GET /instances`, timeoutMs: 15_000, intervalMs: 50 },
    );
  const undoLast = async (instanceId: string) => {
    const dataSource = await undoLastMigrations(stack.instanceDatabases[instanceId]!, 1);
    await dataSource.destroy();
  };
  const upgrade = (instanceId: string) =>
    runMigrations(stack.instanceDatabases[instanceId]!.migrationUrl, INSTANCE_MIGRATIONS);

  /** A synced workspace on instance-a with an integration, a connection and `activityRows` log rows. */
  const seeded = async (name: string, activityRows = 0): Promise<Workspace & { connectionId: string }> => {
    const created = await hub('POST', '/org-workspaces', { orgId, name, instanceId: 'instance-a' });
    expect(created.status).toBe(201);
    const workspace = created.body as Workspace;
    await waitFor(
      async () =>
        (await hub('GET', `/org-workspaces/${workspace.id}`)).body.sync.state === 'synced' ? true : undefined,
      { what: `${name} synced`, timeoutMs: 10_000 },
    );
    const admin = await accessToken(stack, workspace.id);
    expect(
      (await call(workspace.apiUrl, 'POST', '/integrations', admin, { key: 'crm', name: 'CRM', authType: 'api-key' }))
        .status,
    ).toBe(201);
    const connection = await call(
      workspace.apiUrl,
      'POST',
      '/connections',
      await accessToken(stack, workspace.id, 't'),
      {
        integrationKey: 'crm',
        credentials: { apiKey: 'k' },
      },
    );
    expect(connection.status).toBe(201);
    if (activityRows > 0) {
      const [tenant] = await sql<{ id: string }>(
        'instance-a',
        `SELECT id FROM tenants WHERE workspace_id = $1 AND internal_id = 't'`,
        [workspace.id],
      );
      await sql(
        'instance-a',
        `INSERT INTO activity_logs (workspace_id, tenant_id, type, actor, data)
         SELECT $1, $2, 'bulk.row', 'system', jsonb_build_object('n', n) FROM generate_series(1, $3::int) n`,
        [workspace.id, tenant!.id, activityRows],
      );
    }
    return { ...workspace, connectionId: connection.body.id as string };
  };

  /** No row of the workspace on instance-b in any moved table, nor move bookkeeping on either side. */
  const nothingOnTarget = async (workspaceId: string): Promise<Record<string, number>> => {
    const left: Record<string, number> = {};
    for (const table of [
      ...MOVED_TABLES,
      { name: 'workspace_move_targets', workspaceColumn: 'workspace_id' },
      { name: 'workspace_move_changes', workspaceColumn: 'workspace_id' },
    ]) {
      left[table.name] = await count(
        'instance-b',
        `SELECT count(*)::int AS n FROM ${table.name} WHERE ${table.workspaceColumn} = $1`,
        [workspaceId],
      );
    }
    left['source bookkeeping'] = await count(
      'instance-a',
      `SELECT (SELECT count(*) FROM workspace_move_sources WHERE workspace_id = $1) +
              (SELECT count(*) FROM workspace_move_changes WHERE workspace_id = $1) AS n`,
      [workspaceId],
    );
    return left;
  };
  const none = (left: Record<string, number>) => Object.fromEntries(Object.keys(left).map((key) => [key, 0]));

  /** The source still holds and serves the workspace: its connection reads, and a write succeeds. */
  const sourceServes = async (workspace: Workspace & { connectionId: string }) => {
    expect((await hub('GET', `/org-workspaces/${workspace.id}`)).body.instanceId).toBe('instance-a');
    const bearer = await accessToken(stack, workspace.id, 't');
    expect((await call(workspace.apiUrl, 'GET', `/connections/${workspace.connectionId}`, bearer)).status).toBe(200);
    const written = await call(workspace.apiUrl, 'POST', '/connections', bearer, {
      integrationKey: 'crm',
      credentials: { apiKey: 'after' },
    });
    expect(written.status).toBe(201);
  };

  beforeAll(async () => {
    stack = await startStack({
      instanceIds: ['instance-a', 'instance-b'],
      env: { HUB_MOVE_RETENTION_SECONDS: '3600' },
    });
    orgId = (await hub('POST', '/orgs', { name: 'Upgraders' })).body.id;
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it("shows each instance's schema level on GET /instances: the latest migration its database holds", async () => {
    expect(await levelsShown({ 'instance-a': CURRENT, 'instance-b': CURRENT })).toMatchObject({
      'instance-a': CURRENT,
      'instance-b': CURRENT,
    });
  }, 30_000);

  it('refuses a move and a drain to an instance at another schema level with 409, and moves nothing', async () => {
    const workspace = await seeded('Refused');
    await undoLast('instance-b');
    await levelsShown({ 'instance-a': CURRENT, 'instance-b': PREVIOUS });

    const response = await fetch(`${stack.hub.url}/org-workspaces/${workspace.id}/move`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ instanceId: 'instance-b' }),
    });
    expect(response.status).toBe(409);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { detail: string };
    expect(problem).toMatchObject({ status: 409, code: 'instance_schema_mismatch' });
    expect(problem.detail).toContain(`instance-a is at schema level ${CURRENT}`);
    expect(problem.detail).toContain(`instance-b at ${PREVIOUS}`);

    // No move was recorded, and nothing reached either instance.
    expect((await hub('GET', `/org-workspaces/${workspace.id}/move`)).status).toBe(404);
    expect(
      await count('hub', 'SELECT count(*)::int AS n FROM workspace_moves WHERE org_workspace_id = $1', [workspace.id]),
    ).toBe(0);
    const left = await nothingOnTarget(workspace.id);
    expect(left).toEqual(none(left));
    await sourceServes(workspace);

    // A drain has no instance at instance-a's level to choose: refused the same way, nothing started.
    const drained = await hub('POST', '/instances/instance-a/drain');
    expect(drained).toMatchObject({ status: 409, body: { code: 'instance_schema_mismatch' } });
    expect(drained.body.detail).toContain(CURRENT);
    expect(drained.body.detail).toContain(PREVIOUS);
    expect(await count('hub', 'SELECT count(*)::int AS n FROM workspace_moves', [])).toBe(0);
    expect((await hub('PATCH', '/instances/instance-a', { acceptsNewWorkspaces: true })).status).toBe(200);

    // Once both run the same migrations, the same move goes through.
    await upgrade('instance-b');
    await levelsShown({ 'instance-a': CURRENT, 'instance-b': CURRENT });
    const started = await hub('POST', `/org-workspaces/${workspace.id}/move`, { instanceId: 'instance-b' });
    expect(started.status).toBe(202);
    const done = await waitFor(
      async () => {
        const move = await moveOf(workspace.id);
        return ['done', 'failed', 'aborted'].includes(move?.state) ? move : undefined;
      },
      { what: 'the move after the upgrade ended', timeoutMs: 30_000, intervalMs: 50 },
    );
    expect(done).toMatchObject({ state: 'done', error: null });
    expect((await hub('GET', `/org-workspaces/${workspace.id}`)).body.instanceId).toBe('instance-b');
  }, 90_000);

  it('fails a move during which the target is upgraded, with both levels, leaving the source authoritative', async () => {
    // Both instances one migration behind: a move between them may start.
    await undoLast('instance-a');
    await undoLast('instance-b');
    await levelsShown({ 'instance-a': PREVIOUS, 'instance-b': PREVIOUS });
    const workspace = await seeded('Upgraded during its move', 200);

    const failed = await withClient(stack.instanceDatabases['instance-b']!.adminUrl, async (client) => {
      // Holds the copy on the target: its import of the workspace's activity log waits for this lock.
      await client.query('BEGIN');
      await client.query('LOCK TABLE activity_logs IN SHARE MODE');
      let moveId = '';
      try {
        const started = await hub('POST', `/org-workspaces/${workspace.id}/move`, { instanceId: 'instance-b' });
        expect(started.status).toBe(202);
        moveId = started.body.id as string;
        await waitFor(
          async () => {
            const move = await moveOf(workspace.id);
            return move?.state === 'copying' && move.rowsCopied > 0 ? move : undefined;
          },
          { what: 'the copy under way', timeoutMs: 20_000, intervalMs: 20 },
        );
        // The target is upgraded while the move copies.
        await upgrade('instance-b');
        await levelsShown({ 'instance-a': PREVIOUS, 'instance-b': CURRENT });
        expect((await moveOf(workspace.id)).state).toBe('copying');
      } finally {
        await client.query('COMMIT');
      }
      return waitFor(
        async () => {
          const move = await moveOf(workspace.id);
          return ['done', 'failed', 'aborted'].includes(move?.state) ? move : undefined;
        },
        { what: 'the move ended', timeoutMs: 40_000, intervalMs: 50 },
      ).then((move) => ({ move, id: moveId }));
    });

    expect(failed.move).toMatchObject({ id: failed.id, state: 'failed', finishedAt: expect.any(String) });
    expect(failed.move.error).toContain(`instance-a is at schema level ${PREVIOUS}`);
    expect(failed.move.error).toContain(`instance-b at ${CURRENT}`);
    // What the move left is discarded by the worker after it failed: the target holds nothing of it.
    const left = await waitFor(
      async () => {
        const counted = await nothingOnTarget(workspace.id);
        return Object.values(counted).every((n) => n === 0) ? counted : undefined;
      },
      { what: 'the failed move discarded on both sides', timeoutMs: 20_000, intervalMs: 50 },
    );
    expect(left).toEqual(none(left));
    await sourceServes(workspace);
    expect(
      await count(
        'instance-a',
        `SELECT count(*)::int AS n FROM activity_logs WHERE workspace_id = $1 AND type = 'bulk.row'`,
        [workspace.id],
      ),
    ).toBe(200);
  }, 120_000);
});
