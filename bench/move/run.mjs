// Online workspace move (issue 14, "Measure"): the write pause at the cutover of a workspace with
// 10,000 tenants and 100,000 connections (target ≤ 1 s), the total move time and the rows copied per
// second. A real stack — the Hub and two instances as child processes, on databases of their own and a
// NATS namespace of their own — moves the workspace from instance-a to instance-b while a writer sends
// tenant requests at a steady rate (open loop: a request held at the cutover does not delay the next
// one), following `307` and repeating a `503 workspace_moving` after its `Retry-After`, as API.md tells
// a client to. Side by side in the same run: the writer's latency before the move (the baseline), during
// the copy and catch-up, across the cutover (the pause the client saw: its longest request), and after
// it (one redirect more); the move's own `writePauseMs` (freeze → source finished), and the Hub's log
// line on where the cutover's time went (frozen, drain rounds, tallied, placed, activated, finished).
//
//   npm run bench:move                                     (10,000 tenants, 100,000 connections)
//   npm run bench:move -- --tenants 1000 --connections 10000 --rate 40
//
// Seeding: the workspace, its integration and a sample of connections go through the APIs (the writer's
// connections, created throughout); the bulk is direct SQL on the source's database, as the app writes
// the rows: tenants with generated ids, connections with credentials sealed by the instances' own
// keyring (Keyring.encryptJson, as ConnectionsService seals them). Nothing here asserts a time: the
// figures are printed, with the machine's load.
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';

import { DataSource } from 'typeorm';

import { HUB_MIGRATIONS } from '../../apps/hub/dist/migrations/index.js';
import { TenantScope } from '../../apps/instance/dist/database/tenant-scope.js';
import { INSTANCE_ENTITIES } from '../../apps/instance/dist/instance.entities.js';
import { INSTANCE_MIGRATIONS } from '../../apps/instance/dist/migrations/index.js';
import { MOVED_TABLES } from '../../apps/instance/dist/moves/moved-tables.js';
import { MovesRepository } from '../../apps/instance/dist/moves/moves.repository.js';
import { generateSigningKeyPair, Keyring } from '../../libs/crypto/dist/index.js';
import { postgresOptions, setupDatabase, withClient, withDatabase } from '../../libs/persistence/dist/index.js';
import { freePort, startServiceProcess } from '../../libs/testing/dist/index.js';
import { hubProcessEnv, instanceProcessEnv } from '../lib/process-env.mjs';

const { values: options } = parseArgs({
  options: {
    tenants: { type: 'string', default: process.env.BENCH_TENANTS ?? '10000' },
    connections: { type: 'string', default: process.env.BENCH_CONNECTIONS ?? '100000' },
    // Writer requests per second (alternately POST /connections and POST /usage, each as a tenant).
    rate: { type: 'string', default: process.env.BENCH_RATE ?? '40' },
    // How long the writer runs before the move (the baseline) and after it.
    'baseline-seconds': { type: 'string', default: process.env.BENCH_BASELINE_SECONDS ?? '10' },
    'after-seconds': { type: 'string', default: process.env.BENCH_AFTER_SECONDS ?? '5' },
    // Tenants the writer acts as (the first ones seeded).
    writers: { type: 'string', default: '100' },
    'timeout-seconds': { type: 'string', default: process.env.BENCH_TIMEOUT_SECONDS ?? '600' },
  },
});
const TENANTS = Number(options.tenants);
const CONNECTIONS = Number(options.connections);
const RATE = Number(options.rate);
const BASELINE_MS = Number(options['baseline-seconds']) * 1000;
const AFTER_MS = Number(options['after-seconds']) * 1000;
const WRITER_TENANTS = Math.min(Number(options.writers), TENANTS);
const TIMEOUT_MS = Number(options['timeout-seconds']) * 1000;
for (const [name, value] of Object.entries(options)) {
  if (!(Number(value) > 0)) {
    console.error(`--${name} must be a positive number, not ${JSON.stringify(value)}`);
    process.exit(2);
  }
}
/** A request of the writer gives up after this long (counted as failed). */
const REQUEST_TIMEOUT_MS = 10_000;
/** How often the bench reads the move's state from the Hub. */
const POLL_MS = 25;

const adminUrl = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const suffix = randomBytes(4).toString('hex');
const owner = { user: 'switchboard_owner', password: 'switchboard-bench' };
const app = { user: 'switchboard_app', password: 'switchboard-bench' };
const keys = Keyring.generateKeySpec('bench');
const keyring = Keyring.parse(keys);
const hubKeys = generateSigningKeyPair();
const adminToken = `sbp_${randomBytes(32).toString('base64url')}`;
const databases = {
  hub: `sb_bench_move_hub_${suffix}`,
  'instance-a': `sb_bench_move_a_${suffix}`,
  'instance-b': `sb_bench_move_b_${suffix}`,
};
const services = [];

/** The workspace's tenants and connections on one instance. */
const COUNTS = `SELECT (SELECT count(*)::int FROM tenants WHERE workspace_id = $1) AS tenants,
                       (SELECT count(*)::int FROM connections WHERE workspace_id = $1) AS connections`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const sql = (name, text, params = []) =>
  withClient(withDatabase(adminUrl, databases[name]), async (client) => (await client.query(text, params)).rows);
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const ms = (value) => (Number.isFinite(value) ? `${value.toFixed(0)} ms` : '—');

try {
  for (const [name, migrations] of [
    ['hub', HUB_MIGRATIONS],
    ['instance-a', INSTANCE_MIGRATIONS],
    ['instance-b', INSTANCE_MIGRATIONS],
  ]) {
    await setupDatabase({
      adminUrl,
      migrationUrl: withDatabase(adminUrl, databases[name], owner),
      appUrl: withDatabase(adminUrl, databases[name], app),
      migrations,
    });
  }
  const common = {
    NATS_URL: natsUrl,
    NATS_NAMESPACE: `benchmove${suffix}`,
    ENCRYPTION_KEYS: keys,
    LOG_LEVEL: 'error',
    DATABASE_POOL_SIZE: '10',
  };
  const hubPort = await freePort();
  const starting = [
    startServiceProcess({
      name: 'hub',
      script: 'apps/hub/dist/main.js',
      port: hubPort,
      env: {
        ...common,
        ...hubProcessEnv({
          port: hubPort,
          databaseUrl: withDatabase(adminUrl, databases.hub, app),
          adminToken,
          signingKey: hubKeys.signingKey,
        }),
        // The source keeps its copy after the move (as in production), so that nothing else runs meanwhile.
        HUB_MOVE_RETENTION_SECONDS: '3600',
        // MoveWorker's line on where the cutover's time went is at this level.
        LOG_LEVEL: 'info',
      },
    }),
  ];
  for (const id of ['instance-a', 'instance-b']) {
    const port = await freePort();
    starting.push(
      startServiceProcess({
        name: id,
        script: 'apps/instance/dist/main.js',
        port,
        env: {
          ...common,
          ...instanceProcessEnv({
            id: id,
            port: port,
            databaseUrl: withDatabase(adminUrl, databases[id], app),
            hubPublicKey: hubKeys.publicKey,
          }),
          INSTANCE_HEARTBEAT_INTERVAL_MS: '500',
        },
      }),
    );
  }
  const started = await Promise.allSettled(starting);
  for (const result of started) if (result.status === 'fulfilled') services.push(result.value);
  const failedToStart = started.find((result) => result.status === 'rejected');
  if (failedToStart) throw failedToStart.reason;
  const [hub] = services;

  const call = async (url, method, path, token, body) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const api = async (method, path, body) => {
    const answer = await call(hub.url, method, path, adminToken, body);
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };

  // The workspace on instance-a, once both instances have registered.
  for (const deadline = Date.now() + 30_000; ; await sleep(100)) {
    const listed = JSON.stringify((await call(hub.url, 'GET', '/instances', adminToken)).body);
    if (listed.includes('"instance-a"') && listed.includes('"instance-b"')) break;
    if (Date.now() > deadline) throw new Error(`the instances did not register: ${listed}`);
  }
  const org = await api('POST', '/orgs', { name: 'bench' });
  const workspace = await api('POST', '/org-workspaces', { orgId: org.id, name: 'Moving', instanceId: 'instance-a' });
  const sourceUrl = workspace.apiUrl;
  const admin = (await api('POST', `/org-workspaces/${workspace.id}/access-token`, { isAdmin: true })).token;
  for (const deadline = Date.now() + 15_000; ;) {
    const created = await call(sourceUrl, 'POST', '/integrations', admin, {
      key: 'crm',
      name: 'CRM',
      authType: 'api-key',
    });
    if (created.status === 201) break;
    // The workspace's snapshot may not be applied on the instance yet.
    if (Date.now() > deadline) throw new Error(`POST /integrations: ${created.status} ${JSON.stringify(created.body)}`);
    await sleep(100);
  }

  // The bulk, as the app writes it (see above).
  const seedStarted = performance.now();
  const [integration] = await sql('instance-a', 'SELECT id FROM integrations WHERE workspace_id = $1', [workspace.id]);
  await sql(
    'instance-a',
    `INSERT INTO tenants (workspace_id, internal_id, name, fields)
     SELECT $1, 't-' || g, 'Tenant ' || g, jsonb_build_object('plan', CASE WHEN g % 3 = 0 THEN 'pro' ELSE 'free' END)
     FROM generate_series(1, $2::int) g`,
    [workspace.id, TENANTS],
  );
  const tenantIds = (
    await sql('instance-a', 'SELECT id FROM tenants WHERE workspace_id = $1 ORDER BY internal_id', [workspace.id])
  ).map((row) => row.id);
  const BATCH = 5000;
  for (let offset = 0; offset < CONNECTIONS; offset += BATCH) {
    const count = Math.min(BATCH, CONNECTIONS - offset);
    const tenants = [];
    const names = [];
    const sealed = [];
    for (let i = offset; i < offset + count; i++) {
      tenants.push(tenantIds[i % tenantIds.length]);
      names.push(`CRM ${i}`);
      sealed.push(keyring.encryptJson({ apiKey: `key-${i}-${randomBytes(8).toString('hex')}` }));
    }
    await sql(
      'instance-a',
      `INSERT INTO connections (workspace_id, tenant_id, integration_id, name, input, sealed_credentials)
       SELECT $1, t, $2, n, '{}'::jsonb, s FROM unnest($3::uuid[], $4::text[], $5::text[]) AS u(t, n, s)`,
      [workspace.id, integration.id, tenants, names, sealed],
    );
  }
  await sql('instance-a', 'ANALYZE');
  const seedMs = performance.now() - seedStarted;

  // Tokens of the writer's tenants, from the Hub.
  const tokens = [];
  for (let i = 1; i <= WRITER_TENANTS; i++) {
    tokens.push(
      (await api('POST', `/org-workspaces/${workspace.id}/access-token`, { tenantKey: `t-${i}`, expiresIn: 3600 }))
        .token,
    );
  }

  // The writer: RATE requests per second, each on its own (open loop). A request follows `307` (up to 3 hops)
  // and repeats once after `Retry-After` a `503 workspace_moving` (API.md: the write was refused, nothing changed).
  const requests = [];
  const connectionIds = [];
  let writing = true;
  const send = async (n) => {
    const record = { started: performance.now(), ended: NaN, status: 0, hops: 0, refusals: [], error: undefined };
    requests.push(record);
    const token = tokens[n % tokens.length];
    const [path, body] =
      n % 2 === 0
        ? ['/connections', { integrationKey: 'crm', credentials: { apiKey: `writer-${n}` } }]
        : ['/usage', { credits: 1 }];
    try {
      let url = `${sourceUrl}${path}`;
      for (;;) {
        const response = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          redirect: 'manual',
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const text = await response.text();
        const location = response.headers.get('location');
        if (response.status === 307 && location && record.hops < 3) {
          record.redirectedAt ??= performance.now();
          record.hops++;
          url = location;
          continue;
        }
        const problem = response.status >= 300 && text ? JSON.parse(text) : {};
        if (response.status === 503 && problem.code === 'workspace_moving' && record.refusals.length === 0) {
          // The gate answers this after holding the request MOVE_HOLD_MS; the capture trigger's refusal (a write
          // let in just before the freeze) says that nothing was changed.
          record.refusals.push(problem.detail?.includes('nothing was changed') ? 'trigger' : 'gate');
          await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
          continue;
        }
        record.status = response.status;
        if (response.status === 201 && path === '/connections') connectionIds.push(JSON.parse(text).id);
        if (response.status >= 300) record.error = `${response.status} ${text.slice(0, 300)}`;
        break;
      }
    } catch (error) {
      record.error = String(error);
    }
    record.ended = performance.now();
  };
  const inFlight = new Set();
  const writer = (async () => {
    const begun = performance.now();
    for (let n = 0; writing; n++) {
      const due = begun + (n * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const request = send(n).finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    await Promise.all(inFlight);
  })();

  await sleep(BASELINE_MS);
  const [sourceCounts] = await sql('instance-a', COUNTS, [workspace.id]);

  // The move, followed every POLL_MS: when each state was first seen.
  const moveStarted = performance.now();
  const move = await api('POST', `/org-workspaces/${workspace.id}/move`, { instanceId: 'instance-b' });
  const seen = { copying: moveStarted };
  let current = move;
  const progress = [];
  while (current.state !== 'done') {
    if (current.state === 'failed' || current.state === 'aborted') {
      throw new Error(`the move ${current.state}: ${current.error}`);
    }
    if (performance.now() - moveStarted > TIMEOUT_MS) {
      throw new Error(`the move is not done after ${TIMEOUT_MS / 1000} s: ${JSON.stringify(current)}`);
    }
    await sleep(POLL_MS);
    current = await api('GET', `/org-workspaces/${workspace.id}/move`);
    seen[current.state] ??= performance.now();
    progress.push({ at: performance.now(), state: current.state, rowsCopied: current.rowsCopied });
  }
  const moveEnded = seen.done;
  await sleep(AFTER_MS);
  writing = false;
  await writer;

  // What the client saw: latencies by when each request started, and across the cutover every request that
  // overlapped it (from the poll before `cutover` was seen until `done` was).
  const latencies = (chosen) => chosen.map((r) => r.ended - r.started).sort((a, b) => a - b);
  const startedIn = (from, to) => requests.filter((r) => r.started >= from && r.started < to);
  const cutoverFrom = (seen.cutover ?? seen.catching_up ?? moveStarted) - POLL_MS;
  const baseline = latencies(startedIn(0, moveStarted));
  const copying = latencies(startedIn(moveStarted, cutoverFrom));
  const overlapping = requests.filter((r) => r.started < moveEnded && r.ended > cutoverFrom);
  const acrossCutover = latencies(overlapping);
  const acrossCutoverUnrefused = latencies(overlapping.filter((r) => r.refusals.length === 0));
  const after = latencies(startedIn(moveEnded, Infinity));
  const failed = requests.filter((r) => r.error !== undefined);
  const refused = requests.filter((r) => r.refusals.length > 0);
  const refusedBy = (what) => refused.filter((r) => r.refusals[0] === what).length;

  // The target holds every acknowledged connection, and as many rows as the source had.
  const onTarget = new Set(
    (await sql('instance-b', 'SELECT id FROM connections WHERE workspace_id = $1', [workspace.id])).map((r) => r.id),
  );
  const missing = connectionIds.filter((id) => !onTarget.has(id)).length;
  const [targetCounts] = await sql('instance-b', COUNTS, [workspace.id]);
  const copiedUntil = seen.catching_up ?? seen.cutover ?? moveEnded;
  const copyRows = progress.filter((p) => p.at <= copiedUntil).at(-1)?.rowsCopied ?? current.rowsCopied;
  const serverTotalMs = new Date(current.finishedAt).getTime() - new Date(current.startedAt).getTime();

  // The cutover's two tallies again (MovesRepository.tallies as the app role, both sides at once), the writer
  // stopped: what they cost without the rest of the cutover and the writer. Median of 3.
  const tallyMs = async (name) => {
    const dataSource = new DataSource(
      postgresOptions({
        url: withDatabase(adminUrl, databases[name], app),
        entities: INSTANCE_ENTITIES,
        poolSize: 1,
        applicationName: 'bench-tally',
      }),
    );
    await dataSource.initialize();
    try {
      const repository = new MovesRepository(dataSource);
      const took = [];
      for (let round = 0; round < 3; round++) {
        const begun = performance.now();
        await new TenantScope(dataSource).run({ workspaceId: workspace.id, tenantId: null }, (manager) =>
          repository.tallies(manager, workspace.id, MOVED_TABLES),
        );
        took.push(performance.now() - begun);
      }
      return took.sort((a, b) => a - b)[1];
    } finally {
      await dataSource.destroy();
    }
  };
  const [sourceTallyMs, targetTallyMs] = await Promise.all([tallyMs('instance-a'), tallyMs('instance-b')]);

  const [l1, l5, l15] = loadavg();
  const line = (name, sorted) =>
    console.log(
      `  ${name.padEnd(34)} ${String(sorted.length).padStart(6)} requests  p50 ${ms(percentile(sorted, 50)).padStart(7)}` +
        `  p99 ${ms(percentile(sorted, 99)).padStart(7)}  max ${ms(sorted.at(-1)).padStart(7)}`,
    );
  console.log(
    `Workspace move — Hub + instance-a → instance-b (child processes), ${cpus().length} cores; ` +
      `${TENANTS} tenants, ${CONNECTIONS} connections seeded on the source in ${(seedMs / 1000).toFixed(1)} s; ` +
      `writer at ${RATE} requests/s (POST /connections and POST /usage as ${WRITER_TENANTS} tenants, following 307)`,
  );
  console.log(
    `  source at the start: ${sourceCounts.tenants} tenants, ${sourceCounts.connections} connections; ` +
      `target at the end: ${targetCounts.tenants} tenants, ${targetCounts.connections} connections`,
  );
  console.log(
    `  move: ${(serverTotalMs / 1000).toFixed(2)} s in all (Hub's startedAt → finishedAt); ` +
      `copy ${((copiedUntil - moveStarted) / 1000).toFixed(2)} s, catch-up ${(((seen.cutover ?? copiedUntil) - copiedUntil) / 1000).toFixed(2)} s, ` +
      `cutover ${((moveEnded - (seen.cutover ?? copiedUntil)) / 1000).toFixed(2)} s (as polled every ${POLL_MS} ms)`,
  );
  console.log(
    `  rows: ${current.rowsCopied} written to the target; copy ${copyRows} rows at ` +
      `${Math.round(copyRows / ((copiedUntil - moveStarted) / 1000))} rows/s; ` +
      `${Math.round(current.rowsCopied / (serverTotalMs / 1000))} rows/s over the whole move`,
  );
  console.log(
    `  write pause: ${current.writePauseMs} ms (the move's writePauseMs: freeze → source finished; target ≤ 1000 ms)`,
  );
  line('baseline (before the move)', baseline);
  line('during the copy and catch-up', copying);
  line('across the cutover', acrossCutover);
  if (refused.length > 0) line('  of which never refused', acrossCutoverUnrefused);
  line('after the move (one 307 more)', after);
  // Of the requests the source held and redirected: how long until the 307, and then on the target.
  const held = overlapping.filter((r) => r.redirectedAt !== undefined && r.refusals.length === 0);
  if (held.length > 0) {
    line(
      '  held at the source until the 307',
      latencies(held.map((r) => ({ started: r.started, ended: r.redirectedAt }))),
    );
    line('  then on the target', latencies(held.map((r) => ({ started: r.redirectedAt, ended: r.ended }))));
  }
  const longest = acrossCutover.at(-1) ?? NaN;
  console.log(
    `  client-seen pause (longest request across the cutover): ${ms(longest)} = ` +
      `${(longest / percentile(baseline, 50)).toFixed(0)}× the baseline p50, ${(longest / percentile(baseline, 99)).toFixed(1)}× its p99`,
  );
  console.log(
    `  503 workspace_moving answered: ${refused.length} (${refusedBy('gate')} by the gate after holding, ` +
      `${refusedBy('trigger')} by the capture trigger), each repeated after Retry-After; ` +
      `failed in the end: ${failed.length} of ${requests.length}${failed.length > 0 ? ` (first: ${failed[0].error})` : ''}`,
  );
  console.log(
    `  acknowledged connections missing on the target: ${missing} of ${connectionIds.length}; ` +
      `requests redirected: ${requests.filter((r) => r.hops > 0).length}`,
  );
  const cutoverLog = hub
    .output()
    .split('\n')
    .map((line) => /"msg":"(move \S+ cut over[^"]*)"/.exec(line)?.[1])
    .find(Boolean);
  console.log(`  Hub: ${cutoverLog?.replace(/^move \S+ /, '') ?? 'no cutover line in its log'}`);
  console.log(
    `  the same tallies after the move, writer stopped, both at once: source ${ms(sourceTallyMs)}, ` +
      `target ${ms(targetTallyMs)} (median of 3)`,
  );
  console.log(`  load average: ${l1.toFixed(2)} ${l5.toFixed(2)} ${l15.toFixed(2)} (shared machine)`);
} finally {
  await Promise.all(services.map((service) => service.stop()));
  await withClient(adminUrl, async (client) => {
    for (const name of Object.values(databases)) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}
