import { withClient } from '@switchboard/persistence';
import { type NatsServerProcess, natsServerProcess, type TestDatabase, waitFor } from '@switchboard/testing';

import { call, type Stack, startStack } from '../e2e/stack.js';

export interface FaultStack {
  stack: Stack;
  /** A nats-server of this test's own, which it may stop and start. */
  nats: NatsServerProcess;
  stop(): Promise<void>;
}

/**
 * The built services as child processes on a private nats-server, with every
 * instance database recording the versions it applies.
 */
export async function startFaultStack(
  options: Omit<Parameters<typeof startStack>[0], 'natsUrl'> = {},
): Promise<FaultStack> {
  const nats = await natsServerProcess();
  let stack: Stack | undefined;
  try {
    stack = await startStack({ ...options, natsUrl: nats.url });
    for (const database of Object.values(stack.instanceDatabases)) await recordAppliedVersions(database);
    const started = stack;
    return {
      stack: started,
      nats,
      stop: async () => {
        await started.stop();
        await nats.stop();
      },
    };
  } catch (error) {
    await stack?.stop();
    await nats.stop();
    throw error;
  }
}

export interface Workspace {
  id: string;
  instanceId: string;
}

/** An org and `count` workspaces on the stack's instances (waiting for instances to register). */
export async function createWorkspaces(stack: Stack, count: number): Promise<Workspace[]> {
  const org = await call(stack.hub.url, 'POST', '/orgs', stack.adminToken, { name: 'Faults' });
  const workspaces: Workspace[] = [];
  for (let i = 0; i < count; i++) {
    const created = await waitFor(
      async () => {
        const response = await call(stack.hub.url, 'POST', '/org-workspaces', stack.adminToken, {
          orgId: org.body.id,
          name: `Fault ${i}`,
        });
        return response.status === 201 ? response.body : undefined;
      },
      { what: 'an instance to place a workspace on', timeoutMs: 15_000 },
    );
    workspaces.push({ id: created.id, instanceId: created.instanceId });
  }
  return workspaces;
}

/**
 * `changes` configuration changes, round-robin over the workspaces, through
 * the given Hub replicas in turn. Every change must be accepted whatever is
 * down: the Hub's API never depends on NATS or an instance.
 */
export async function burst(
  hubs: { url: string }[],
  token: string,
  workspaces: Workspace[],
  changes: number,
  options: { from?: number; concurrency?: number } = {},
): Promise<void> {
  await startBurst(hubs, token, workspaces, changes, options).finished;
}

export interface RunningBurst {
  /** Changes the Hub has accepted so far. */
  accepted(): number;
  finished: Promise<void>;
}

/** The same, running: so that a test can break something in the middle of it. */
export function startBurst(
  hubs: { url: string }[],
  token: string,
  workspaces: Workspace[],
  changes: number,
  { from = 0, concurrency = 4 } = {},
): RunningBurst {
  let next = from;
  let accepted = 0;
  const end = from + changes;
  const worker = async () => {
    while (next < end) {
      const seq = next++;
      const workspace = workspaces[seq % workspaces.length]!;
      const hub = hubs[seq % hubs.length]!;
      const response = await call(hub.url, 'PATCH', `/org-workspaces/${workspace.id}`, token, {
        settings: { seq, note: `change ${seq}` },
      });
      if (response.status !== 200)
        throw new Error(`change ${seq} got ${response.status}: ${JSON.stringify(response.body)}`);
      accepted++;
    }
  };
  return {
    accepted: () => accepted,
    finished: Promise.all(Array.from({ length: concurrency }, worker)).then(() => {}),
  };
}

/** Waits until a running burst has had `count` changes accepted. */
export async function afterChanges(running: RunningBurst, count: number): Promise<void> {
  await waitFor(() => Promise.resolve(running.accepted() >= count ? true : undefined), {
    what: `${count} changes to be accepted`,
    timeoutMs: 20_000,
    intervalMs: 10,
  });
}

/** A workspace's sync state as the Hub's API shows it. */
export async function syncOf(
  stack: Stack,
  workspace: Workspace,
): Promise<{ version: number; appliedVersion: number; state: string; lastError: string | null }> {
  const response = await call(stack.hub.url, 'GET', `/org-workspaces/${workspace.id}`, stack.adminToken);
  if (response.status !== 200) throw new Error(`GET workspace: ${response.status}`);
  return response.body.sync;
}

/**
 * Records every version an instance applies, so that a test can prove none
 * was applied out of order. Test instrumentation, installed as the superuser.
 */
export async function recordAppliedVersions(database: TestDatabase): Promise<void> {
  await withClient(database.adminUrl, async (client) => {
    await client.query(`
      CREATE TABLE test_applied_versions (
        seq bigserial PRIMARY KEY, workspace_id uuid NOT NULL, old_version int, new_version int NOT NULL);
      CREATE FUNCTION test_record_applied_version() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
      BEGIN
        IF TG_OP = 'INSERT' OR OLD.config_version IS DISTINCT FROM NEW.config_version THEN
          INSERT INTO test_applied_versions (workspace_id, old_version, new_version)
          VALUES (NEW.id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.config_version END, NEW.config_version);
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_record_applied_version AFTER INSERT OR UPDATE ON workspaces
        FOR EACH ROW EXECUTE FUNCTION test_record_applied_version();`);
  });
}

interface HubRow {
  id: string;
  org_id: string;
  key: string;
  name: string;
  settings: Record<string, unknown>;
  webhook_uri: string | null;
  public_keys: string[];
  sealed_secret: string;
  archived_at: Date | null;
  config_version: number;
  applied_version: number;
  instance_id: string;
}

/**
 * Waits until every workspace's applied version equals the Hub's version, then
 * checks that each instance holds exactly the Hub's state and applied no
 * version out of order.
 */
export async function expectConverged(stack: Stack, timeoutMs = 20_000): Promise<void> {
  const hubRows = await waitFor(
    async () => {
      const rows = await withClient(stack.hubDatabase.adminUrl, (client) =>
        client.query<HubRow>(
          `SELECT id, org_id, key, name, settings, webhook_uri, public_keys, sealed_secret, archived_at,
                  config_version, applied_version, instance_id FROM org_workspaces`,
        ),
      );
      return rows.rows.every((row) => row.applied_version === row.config_version) ? rows.rows : undefined;
    },
    { what: 'every workspace to be applied', timeoutMs, intervalMs: 100 },
  );
  for (const [instanceId, database] of Object.entries(stack.instanceDatabases)) {
    const expected = hubRows.filter((row) => row.instance_id === instanceId);
    await withClient(database.adminUrl, async (client) => {
      const { rows } = await client.query<Omit<HubRow, 'applied_version' | 'instance_id'>>(
        `SELECT id, org_id, key, name, settings, webhook_uri, public_keys, sealed_secret, archived_at, config_version
         FROM workspaces`,
      );
      const held = new Map(rows.map((row) => [row.id, row]));
      expect(held.size).toBe(expected.length);
      for (const hub of expected) {
        const { applied_version: _applied, instance_id: _instance, ...state } = hub;
        expect(held.get(hub.id)).toEqual(state);
      }
      const outOfOrder = await client.query(
        'SELECT * FROM test_applied_versions WHERE old_version IS NOT NULL AND new_version <= old_version',
      );
      expect(outOfOrder.rows).toEqual([]);
    });
  }
}
