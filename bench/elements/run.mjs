// GET /{type}/{key} as a tenant on a real instance, resolving three levels —
// a universe action, a workspace template laid over it (parentKey), and the
// tenant's own customisation — against one level: a plain template with the
// same effective definition and no customisation. Same instance, same tenants,
// same concurrency, side by side in one run (alternating rounds, so that drift
// in the machine's load hits both alike); the report gives the ratio of
// throughputs (target ≥ 80 %). On a loaded machine wall-clock rounds swing
// widely, so it also gives the main thread's CPU per request (Fastify's
// inject, no sockets; Postgres' own CPU is not in it) for both, five rounds
// each, the minimum being the least disturbed.
//
//   npm run bench:elements   (BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_ROUNDS, BENCH_CONCURRENCY, BENCH_POOL, BENCH_TENANTS to tune)
import { randomUUID } from 'node:crypto';

import jwt from 'jsonwebtoken';

import { withClient } from '../../libs/persistence/dist/index.js';
import { cpuPerRequest, formatRounds } from '../lib/cpu.mjs';
import { startBenchInstance } from '../lib/instance.mjs';
import { runLoad } from '../lib/load.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 4);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const poolSize = Number(process.env.BENCH_POOL ?? 10);
const tenantCount = Number(process.env.BENCH_TENANTS ?? 100);

// A definition of a realistic size: a universe action with inputs, a mapping and a few steps.
const universeDefinition = {
  type: 'http-request',
  request: { method: 'POST', path: '/v3/objects/contacts', headers: { accept: 'application/json' }, timeoutMs: 10_000 },
  input: Object.fromEntries(
    Array.from({ length: 12 }, (_, i) => [`field${i}`, { type: 'string', title: `Field ${i}`, required: i < 3 }]),
  ),
  mapping: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`field${i}`, `{tenant.fields.f${i % 3}}`])),
  steps: ['validate', 'map', 'send', 'store'],
  retry: { times: 3, backoff: 'exponential' },
};
const templateDefinition = {
  retry: { times: 5 },
  request: { timeoutMs: 5_000 },
  label: 'Create contact for {tenant.name}',
};
const customization = { retry: { backoff: 'linear' }, steps: ['validate', 'map', 'send'], note: 'custom {date}' };

const bench = await startBenchInstance({ poolSize });
const { url, workspaceKey, secret, ownerUrl } = bench;
const adminToken = jwt.sign({ iss: workspaceKey, isAdmin: true }, secret, { algorithm: 'HS256', expiresIn: 3600 });

async function call(method, path, token, body) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

try {
  // The universe element, written as the universe sync writes it.
  await withClient(ownerUrl, async (client) => {
    await client.query('BEGIN');
    await client.query("SELECT set_config('app.universe_sync', 'on', true)");
    await client.query(
      `INSERT INTO universe_elements (id, element_type, key, name, definition, revision, created_at, updated_at)
       VALUES ($1, 'action', 'create-contact', 'Create contact', $2, 1, now(), now())`,
      [randomUUID(), JSON.stringify(universeDefinition)],
    );
    await client.query('COMMIT');
  });
  await call('POST', '/actions', adminToken, {
    key: 'layered',
    name: 'Layered',
    parentKey: 'create-contact',
    definition: templateDefinition,
  });
  // The one-level template holds what the three levels add up to, so both answers are the same size.
  const tenantTokens = Array.from({ length: tenantCount }, (_, i) =>
    jwt.sign({ iss: workspaceKey, tenantKey: `tenant-${i}`, fields: { f0: 'a', f1: 'b', f2: 'c' } }, secret, {
      algorithm: 'HS256',
      expiresIn: 3600,
    }),
  );
  const layered = [];
  for (const token of tenantTokens) {
    layered.push(await call('PUT', '/actions/layered/customization', token, { definition: customization }));
  }
  const effective = await call('GET', '/actions/layered', adminToken);
  const merged = { ...effective.definition, ...customization, retry: { times: 5, backoff: 'linear' } };
  await call('POST', '/actions', adminToken, { key: 'plain', name: 'Plain', definition: merged });
  const one = await call('GET', '/actions/plain', tenantTokens[0]);
  const three = layered[0];
  if (three.level !== 'workspace' || three.parentRevision !== 1 || !three.isCustomized || one.isCustomized) {
    throw new Error('the bench elements do not resolve as intended');
  }
  const sizes = { three: JSON.stringify(three).length, one: JSON.stringify(one).length };

  const headers = tenantTokens.map((token) => ({ authorization: `Bearer ${token}` }));
  const targets = { three: `${url}/actions/layered`, one: `${url}/actions/plain` };
  const load = (target, durationMs) => runLoad({ url: target, durationMs, concurrency, headers });
  for (const target of Object.values(targets)) await load(target, warmupSeconds * 1000);
  const results = { three: [], one: [] };
  for (let round = 0; round < rounds; round++) {
    for (const [name, target] of Object.entries(targets)) results[name].push(await load(target, seconds * 1000));
  }
  const sum = (list, pick) => list.reduce((total, r) => total + pick(r), 0);
  const summary = (list) => ({
    throughput: sum(list, (r) => r.throughput) / list.length,
    p50: sum(list, (r) => r.p50) / list.length,
    p99: sum(list, (r) => r.p99) / list.length,
    errors: sum(list, (r) => r.errors),
  });
  const format = (r) =>
    `${r.throughput.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  errors ${r.errors}`;
  const three3 = summary(results.three);
  const one1 = summary(results.one);
  console.log(
    `GET /actions/{key} as a tenant — ${tenantCount} tenants, concurrency ${concurrency}, pool ${poolSize}, ${rounds} × ${seconds}s each, this machine`,
  );
  console.log(`  three levels (universe ⊕ template ⊕ customisation, ${sizes.three} B)  ${format(three3)}`);
  console.log(`  one level (plain template, ${sizes.one} B)                        ${format(one1)}`);
  for (let round = 0; round < rounds; round++) {
    console.log(
      `  round ${round + 1}: ${((100 * results.three[round].throughput) / results.one[round].throughput).toFixed(1)}%`,
    );
  }
  console.log(
    `three levels / one level throughput: ${((100 * three3.throughput) / one1.throughput).toFixed(1)}% (target ≥ 80%)`,
  );

  const fastify = bench.instance.getHttpAdapter().getInstance();
  let k = 0;
  const inject = (path) => () =>
    fastify.inject({
      method: 'GET',
      url: path,
      headers: { authorization: `Bearer ${tenantTokens[k++ % tenantCount]}` },
    });
  const cpu = { three: [], one: [] };
  await cpuPerRequest(inject('/actions/layered'), 2000);
  await cpuPerRequest(inject('/actions/plain'), 2000);
  for (let round = 0; round < 5; round++) {
    cpu.three.push(await cpuPerRequest(inject('/actions/layered'), 3000));
    cpu.one.push(await cpuPerRequest(inject('/actions/plain'), 3000));
  }
  console.log(`\nmain-thread CPU per request (µs, 5 rounds of 3,000 injected, concurrency 32):`);
  console.log(`  three levels  ${formatRounds(cpu.three)}`);
  console.log(`  one level     ${formatRounds(cpu.one)}`);
  console.log(
    `one level / three levels CPU (= relative throughput when the instance's CPU is the limit): ${((100 * Math.min(...cpu.one)) / Math.min(...cpu.three)).toFixed(1)}%`,
  );
} finally {
  await bench.close();
}
