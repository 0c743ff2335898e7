import { MOVED_TABLE_NAMES } from '@switchboard/contracts';
import { withClient } from '@switchboard/persistence';
import { waitFor } from '@switchboard/testing';

import { MOVED_TABLES } from '../../apps/instance/src/moves/moved-tables.js';
import { accessToken, call, type Stack, startStack } from './stack.js';

interface Workspace {
  id: string;
  key: string;
  apiUrl: string;
}

/** What a writer saw: the connections it was answered 201 for, and every other answer. */
interface Written {
  acknowledged: string[];
  failures: string[];
}

/** Activity log rows written by SQL on the source, so that a copy lasts long enough to act in it. */
const BULK_ROWS = 10_000;

/**
 * Aborting a workspace move at each of its phases (issue 14; API.md "Moving a
 * workspace to another instance": abort before the cutover only), with the
 * built Hub and two instances as processes. An abort accepted in `copying` or
 * in `catching_up` leaves the source authoritative with every write made during
 * the move, the target without a row of the workspace, the source without the
 * move's bookkeeping, and a later move succeeds; an abort at the cutover is a
 * `409` and the move completes.
 *
 * Each phase is held by something a real move meets, never by a sleep: the
 * copy by bulk rows seeded on the source; the catch-up by a large change log
 * (a bulk UPDATE during the copy) whose replay waits on a row lock the test
 * holds on the source's change log; the cutover by a transaction holding the
 * source's move row `FOR SHARE`, as every writer of the workspace does, which
 * the freeze waits for.
 */
describe('aborting a workspace move in each phase', () => {
  let stack: Stack;
  let orgId: string;

  const hub = (method: string, path: string, body?: unknown) =>
    call(stack.hub.url, method, path, stack.adminToken, body);
  const token = (workspaceId: string, tenantKey?: string) => accessToken(stack, workspaceId, tenantKey);
  const sql = async <T = Record<string, unknown>>(database: string, text: string, params: unknown[]): Promise<T[]> =>
    withClient(
      database === 'hub' ? stack.hubDatabase.adminUrl : stack.instanceDatabases[database]!.adminUrl,
      async (client) => (await client.query(text, params)).rows as T[],
    );
  const count = async (database: string, text: string, params: unknown[]): Promise<number> =>
    Number((await sql<{ n: number }>(database, text, params))[0]?.n ?? 0);
  const moveOf = async (workspaceId: string) => (await hub('GET', `/org-workspaces/${workspaceId}/move`)).body;
  /** Polls the move every 10 ms until `accept` holds; fails at once if the move ended otherwise. */
  const moveWhen = (workspaceId: string, what: string, accept: (move: any) => boolean, timeoutMs = 30_000) =>
    waitFor(
      async () => {
        const move = await moveOf(workspaceId);
        if (accept(move)) return move;
        if (['done', 'failed', 'aborted'].includes(move?.state)) {
          throw new Error(`waiting for ${what}, the move ended ${move.state}: ${move.error}`);
        }
        return undefined;
      },
      { what, timeoutMs, intervalMs: 10 },
    );

  /** A workspace on instance-a with an integration and BULK_ROWS activity log rows written directly. */
  const seeded = async (name: string): Promise<Workspace> => {
    const workspace = await waitFor(
      async () => {
        const created = await hub('POST', '/org-workspaces', { orgId, name, instanceId: 'instance-a' });
        return created.status === 201 ? (created.body as Workspace) : undefined;
      },
      { what: 'both instances registered', timeoutMs: 20_000 },
    );
    await waitFor(
      async () =>
        (await hub('GET', `/org-workspaces/${workspace.id}`)).body.sync.state === 'synced' ? true : undefined,
      { what: `${name} synced`, timeoutMs: 10_000 },
    );
    const admin = await token(workspace.id);
    const integration = await call(workspace.apiUrl, 'POST', '/integrations', admin, {
      key: 'crm',
      name: 'CRM',
      authType: 'api-key',
    });
    expect(integration.status).toBe(201);
    const [tenant] = await sql<{ id: string }>(
      'instance-a',
      `INSERT INTO tenants (workspace_id, internal_id, name) VALUES ($1, 'bulk', 'Bulk') RETURNING id`,
      [workspace.id],
    );
    await sql(
      'instance-a',
      `INSERT INTO activity_logs (workspace_id, tenant_id, type, actor, data)
       SELECT $1, $2, 'bulk.row', 'system', jsonb_build_object('n', n, 'pad', repeat('x', 200))
       FROM generate_series(1, $3::int) n`,
      [workspace.id, tenant!.id, BULK_ROWS],
    );
    return workspace;
  };

  /**
   * A tenant writing through the source's URL until stopped: a connection, then a read of it, over and over.
   * Every answer but 201 (write) and 200 (read) is a failure: before the cutover nothing may refuse them.
   */
  const startWriter = (workspace: Workspace) => {
    const written: Written = { acknowledged: [], failures: [] };
    let writing = true;
    const done = (async () => {
      const bearer = await token(workspace.id, 'writer');
      for (let i = 0; writing; i++) {
        const created = await call(workspace.apiUrl, 'POST', '/connections', bearer, {
          integrationKey: 'crm',
          credentials: { apiKey: `w-${i}` },
        });
        if (created.status !== 201) {
          written.failures.push(`POST /connections: ${created.status} ${JSON.stringify(created.body)}`);
          continue;
        }
        written.acknowledged.push(created.body.id as string);
        const read = await call(workspace.apiUrl, 'GET', `/connections/${created.body.id}`, bearer);
        if (read.status !== 200) written.failures.push(`GET /connections/{id}: ${read.status}`);
      }
    })();
    return {
      written,
      stop: async (): Promise<Written> => {
        writing = false;
        await done;
        return written;
      },
    };
  };

  /**
   * What an accepted abort must leave: the move `aborted`; the workspace still placed on the source, which
   * holds every acknowledged write and keeps serving reads and writes (recording no change any more); no row
   * of the workspace on the target in any moved table, nor move bookkeeping on either side. Then a new move
   * succeeds and carries every write. Returns the new move.
   */
  const expectAbortedCleanly = async (workspace: Workspace, moveId: string, written: Written) => {
    expect(written.failures).toEqual([]);
    expect(await moveOf(workspace.id)).toMatchObject({ id: moveId, state: 'aborted', finishedAt: expect.any(String) });
    expect((await hub('GET', `/org-workspaces/${workspace.id}`)).body.instanceId).toBe('instance-a');

    // The discarding is the worker's, after its step in flight: wait for it, then look at every table.
    await waitFor(
      async () =>
        (await count(
          'instance-b',
          `SELECT (SELECT count(*) FROM workspaces WHERE id = $1) + (SELECT count(*) FROM workspace_move_targets
           WHERE workspace_id = $1) AS n`,
          [workspace.id],
        )) === 0 &&
        (await count(
          'instance-a',
          `SELECT (SELECT count(*) FROM workspace_move_sources WHERE workspace_id = $1) +
                  (SELECT count(*) FROM workspace_move_changes WHERE workspace_id = $1) AS n`,
          [workspace.id],
        )) === 0
          ? true
          : undefined,
      { what: 'the aborted move discarded on both sides', timeoutMs: 20_000, intervalMs: 50 },
    );
    const left: Record<string, number> = {};
    for (const table of [
      ...MOVED_TABLES,
      { name: 'workspace_move_targets', workspaceColumn: 'workspace_id' },
      { name: 'workspace_move_sources', workspaceColumn: 'workspace_id' },
      { name: 'workspace_move_changes', workspaceColumn: 'workspace_id' },
    ]) {
      left[table.name] = await count(
        'instance-b',
        `SELECT count(*)::int AS n FROM ${table.name} WHERE ${table.workspaceColumn} = $1`,
        [workspace.id],
      );
    }
    expect(left).toEqual(Object.fromEntries(Object.keys(left).map((table) => [table, 0])));

    // The source holds every write made during the move, and the bulk it had.
    expect(written.acknowledged.length).toBeGreaterThan(0);
    expect(
      await count('instance-a', 'SELECT count(*)::int AS n FROM connections WHERE id = ANY($1::uuid[])', [
        written.acknowledged,
      ]),
    ).toBe(written.acknowledged.length);
    expect(
      await count(
        'instance-a',
        `SELECT count(*)::int AS n FROM activity_logs WHERE workspace_id = $1 AND type = 'bulk.row'`,
        [workspace.id],
      ),
    ).toBe(BULK_ROWS);
    // It serves reads and writes, and records no change for a move any more.
    const bearer = await token(workspace.id, 'writer');
    const listed = await call(workspace.apiUrl, 'GET', '/connections?limit=1000', bearer);
    expect(listed.status).toBe(200);
    expect((listed.body.items as { id: string }[]).map((item) => item.id).sort()).toEqual(
      [...written.acknowledged].sort(),
    );
    const after = await call(workspace.apiUrl, 'POST', '/connections', bearer, {
      integrationKey: 'crm',
      credentials: { apiKey: 'after-the-abort' },
    });
    expect(after.status).toBe(201);
    expect((await call(workspace.apiUrl, 'POST', '/usage', bearer, { credits: 2 })).status).toBe(201);
    expect(
      await count('instance-a', 'SELECT count(*)::int AS n FROM workspace_move_changes WHERE workspace_id = $1', [
        workspace.id,
      ]),
    ).toBe(0);

    // A new move succeeds and carries everything.
    const again = await hub('POST', `/org-workspaces/${workspace.id}/move`, { instanceId: 'instance-b' });
    expect(again.status).toBe(202);
    expect(again.body.id).not.toBe(moveId);
    await moveWhen(workspace.id, 'the new move done', (move) => move?.id === again.body.id && move.state === 'done');
    expect((await hub('GET', `/org-workspaces/${workspace.id}`)).body.instanceId).toBe('instance-b');
    const ids = [...written.acknowledged, after.body.id as string];
    expect(
      await count('instance-b', 'SELECT count(*)::int AS n FROM connections WHERE id = ANY($1::uuid[])', [ids]),
    ).toBe(ids.length);
    const onTarget = await call(stack.instances['instance-b']!.url, 'GET', `/connections/${after.body.id}`, bearer);
    expect(onTarget.status).toBe(200);
  };

  beforeAll(async () => {
    stack = await startStack({
      instanceIds: ['instance-a', 'instance-b'],
      env: { HUB_MOVE_RETENTION_SECONDS: '3600' },
    });
    orgId = (await hub('POST', '/orgs', { name: 'Aborters' })).body.id;
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('aborts during the copy: the source stays authoritative, the target copy goes, a new move succeeds', async () => {
    const workspace = await seeded('Abort in copying');
    const writer = startWriter(workspace);
    await waitFor(() => Promise.resolve(writer.written.acknowledged.length > 0 ? true : undefined), {
      what: 'a first write',
    });
    const started = await hub('POST', `/org-workspaces/${workspace.id}/move`, { instanceId: 'instance-b' });
    expect(started.status).toBe(202);
    const ackedAtStart = writer.written.acknowledged.length;
    await moveWhen(
      workspace.id,
      'the copy under way with writes during it',
      (move) =>
        move?.state === 'copying' && move.rowsCopied > 0 && writer.written.acknowledged.length > ackedAtStart + 1,
    );
    const aborted = await hub('POST', `/org-workspaces/${workspace.id}/move/abort`);
    expect(aborted.status).toBe(200);
    expect(aborted.body).toMatchObject({ id: started.body.id, state: 'aborted' });
    // It landed in the copy: not every table was copied (the worker records no progress after an abort).
    const [row] = await sql<{ copy_table: number }>('hub', 'SELECT copy_table FROM workspace_moves WHERE id = $1', [
      started.body.id,
    ]);
    expect(row!.copy_table).toBeLessThan(MOVED_TABLE_NAMES.length);
    await expectAbortedCleanly(workspace, started.body.id, await writer.stop());
  }, 80_000);

  it('aborts during the catch-up: the source stays authoritative, the target copy goes, a new move succeeds', async () => {
    // The change log must be long when the copy ends, so the bulk UPDATE has to commit while the copy still
    // runs: if the copy won that race (the machine was slow), the attempt is given up and the scenario retried.
    for (let attempt = 1; ; attempt++) {
      const workspace = await seeded(`Abort in catching_up ${attempt}`);
      const writer = startWriter(workspace);
      await waitFor(() => Promise.resolve(writer.written.acknowledged.length > 0 ? true : undefined), {
        what: 'a first write',
      });
      const started = await hub('POST', `/org-workspaces/${workspace.id}/move`, { instanceId: 'instance-b' });
      expect(started.status).toBe(202);
      await waitFor(
        async () =>
          (await count(
            'instance-a',
            'SELECT count(*)::int AS n FROM workspace_move_sources WHERE workspace_id = $1 AND move_id = $2',
            [workspace.id, started.body.id],
          )) > 0
            ? true
            : undefined,
        { what: 'the source recording changes', intervalMs: 10 },
      );
      await sql(
        'instance-a',
        `UPDATE activity_logs SET data = data || '{"touched": true}' WHERE workspace_id = $1 AND type = 'bulk.row'`,
        [workspace.id],
      );
      const afterUpdate = await moveOf(workspace.id);
      if (afterUpdate.state !== 'copying') {
        expect(attempt).toBeLessThan(3);
        await writer.stop();
        await moveWhen(workspace.id, 'the attempt over', () => false, 30_000).catch(() => undefined);
        continue;
      }
      const aborted = await withClient(stack.instanceDatabases['instance-a']!.adminUrl, async (client) => {
        // A replay batch deletes the changes it wrote before reading more: one locked in the middle of the log
        // holds the catch-up there, with thousands of changes left (no cutover), until this transaction ends.
        await client.query('BEGIN');
        const locked = await client.query(
          `SELECT id FROM workspace_move_changes WHERE workspace_id = $1 ORDER BY id OFFSET 5000 LIMIT 1 FOR UPDATE`,
          [workspace.id],
        );
        expect(locked.rowCount).toBe(1);
        try {
          await moveWhen(workspace.id, 'the catch-up', (move) => move?.state === 'catching_up');
          return await hub('POST', `/org-workspaces/${workspace.id}/move/abort`);
        } finally {
          await client.query('COMMIT');
        }
      });
      expect(aborted.status).toBe(200);
      expect(aborted.body).toMatchObject({ id: started.body.id, state: 'aborted' });
      const [row] = await sql<{ copy_table: number }>('hub', 'SELECT copy_table FROM workspace_moves WHERE id = $1', [
        started.body.id,
      ]);
      expect(row!.copy_table).toBe(MOVED_TABLE_NAMES.length);
      await expectAbortedCleanly(workspace, started.body.id, await writer.stop());
      // The bulk UPDATE made during the move is kept on the source, and went with the new move.
      expect(
        await count(
          'instance-b',
          `SELECT count(*)::int AS n FROM activity_logs WHERE workspace_id = $1 AND data ? 'touched'`,
          [workspace.id],
        ),
      ).toBe(BULK_ROWS);
      return;
    }
  }, 85_000);

  it('refuses an abort at the cutover with 409, and the move completes', async () => {
    const workspace = await seeded('Abort at cutover');
    const bearer = await token(workspace.id, 'before');
    const connection = await call(workspace.apiUrl, 'POST', '/connections', bearer, {
      integrationKey: 'crm',
      credentials: { apiKey: 'k' },
    });
    expect(connection.status).toBe(201);
    const started = await hub('POST', `/org-workspaces/${workspace.id}/move`, { instanceId: 'instance-b' });
    expect(started.status).toBe(202);
    // Past the source's start (whose barrier waits for transactions older than it), during the copy.
    await moveWhen(workspace.id, 'the copy under way', (move) => move?.state === 'copying' && move.rowsCopied > 0);
    const refused = await withClient(stack.instanceDatabases['instance-a']!.adminUrl, async (client) => {
      // A writer's hold on the source's move row: the freeze waits for it, so the move stays in its cutover.
      await client.query('BEGIN');
      const held = await client.query<{ state: string }>(
        'SELECT state FROM workspace_move_sources WHERE workspace_id = $1 FOR SHARE',
        [workspace.id],
      );
      try {
        expect(held.rows[0]?.state).toBe('copying');
        await moveWhen(workspace.id, 'the cutover', (move) => move?.state === 'cutover');
        const response = await fetch(`${stack.hub.url}/org-workspaces/${workspace.id}/move/abort`, {
          method: 'POST',
          headers: { authorization: `Bearer ${stack.adminToken}` },
        });
        const problem = {
          status: response.status,
          type: response.headers.get('content-type'),
          body: await response.json(),
        };
        expect((await moveOf(workspace.id)).state).toBe('cutover');
        return problem;
      } finally {
        await client.query('COMMIT');
      }
    });
    expect(refused).toMatchObject({
      status: 409,
      type: expect.stringContaining('application/problem+json'),
      body: { status: 409, detail: expect.stringContaining('cutover') },
    });
    const done = await moveWhen(workspace.id, 'the move done', (move) => move?.state === 'done');
    expect(done).toMatchObject({ id: started.body.id, error: null });
    expect((await hub('GET', `/org-workspaces/${workspace.id}`)).body.instanceId).toBe('instance-b');
    expect((await hub('POST', `/org-workspaces/${workspace.id}/move/abort`)).status).toBe(409);
    // Everything is on the target, which serves it.
    expect(
      await count('instance-b', `SELECT count(*)::int AS n FROM activity_logs WHERE workspace_id = $1`, [workspace.id]),
    ).toBeGreaterThanOrEqual(BULK_ROWS);
    const onTarget = await call(
      stack.instances['instance-b']!.url,
      'GET',
      `/connections/${connection.body.id}`,
      bearer,
    );
    expect(onTarget.status).toBe(200);
  }, 60_000);
});
