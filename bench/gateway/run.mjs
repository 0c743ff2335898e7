// GET /tenants/self through the gateway (apps/gateway, its own process, as deployed) against the same
// instance called directly — same tenants, same concurrency, side by side in one run, alternating the
// two so that neither gets the machine's quieter moments. The instance runs in this process
// (bench/lib/instance.mjs); the gateway learns its one placement over NATS, from this script answering
// the placement-table request as the Hub would (`listWorkspacePlacementsContract`, Nest's wire format):
// no Hub is needed to measure what the gateway adds. Target: through the gateway ≥ 80 % of direct.
// Beside it, not the target, the floor: the same libraries passing requests through with nothing of
// the gateway's own (bench/gateway/pass-through.mjs, its own process too), measured the same way.
//
//   npm run bench:gateway      (BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_CONCURRENCY, BENCH_POOL, BENCH_ROUNDS to tune;
//    GATEWAY_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the gateway process)
import 'reflect-metadata';

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import net from 'node:net';

import { connect } from '@nats-io/transport-node';
import jwt from 'jsonwebtoken';

import { fillSubject, listWorkspacePlacementsContract } from '../../libs/contracts/dist/index.js';
import { startBenchInstance } from '../lib/instance.mjs';
import { runLoad } from '../lib/load.mjs';
import { seedTenants } from '../lib/tenants-self.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const poolSize = Number(process.env.BENCH_POOL ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const natsUrl = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';

/** A port nothing listens on now. */
const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const bench = await startBenchInstance({ poolSize });
const namespace = `benchgw${randomUUID().slice(0, 8)}`;
// The Hub's side of the placement table, for this one workspace on this one instance.
const nats = await connect({ servers: natsUrl });
const listSubject = fillSubject(listWorkspacePlacementsContract.subject, { namespace });
const placement = {
  workspaceId: bench.workspaceId,
  workspaceKey: bench.workspaceKey,
  instanceId: 'bench',
  apiUrl: bench.url,
  version: 1,
  archived: false,
};
nats.subscribe(listSubject, {
  callback: (_error, message) => {
    const { id } = message.json();
    message.respond(JSON.stringify({ id, response: { placements: [placement] }, isDisposed: true }));
  },
});
await nats.flush();

const port = await freePort();
const gateway = spawn(
  process.execPath,
  [...(process.env.GATEWAY_NODE_ARGS ? process.env.GATEWAY_NODE_ARGS.split(' ') : []), 'apps/gateway/dist/main.js'],
  {
    env: {
      PATH: process.env.PATH ?? '',
      NATS_URL: natsUrl,
      NATS_NAMESPACE: namespace,
      GATEWAY_PORT: String(port),
      GATEWAY_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  },
);
const gatewayUrl = `http://127.0.0.1:${port}`;
const passThroughPort = await freePort();
const passThrough = spawn(process.execPath, ['bench/gateway/pass-through.mjs'], {
  env: { PATH: process.env.PATH ?? '', PASS_THROUGH_PORT: String(passThroughPort), PASS_THROUGH_UPSTREAM: bench.url },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const passThroughUrl = `http://127.0.0.1:${passThroughPort}`;

try {
  for (let attempt = 0; ; attempt++) {
    const ready = await fetch(`${gatewayUrl}/health/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (attempt > 200 || gateway.exitCode !== null) throw new Error('the gateway did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (let attempt = 0; ; attempt++) {
    const listening = await fetch(`${passThroughUrl}/health/live`).then(
      () => true,
      () => false,
    );
    if (listening) break;
    if (attempt > 200 || passThrough.exitCode !== null) throw new Error('the pass-through did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const tenants = await seedTenants(bench.ownerUrl, bench.workspaceId, 1000, 1000);
  const headers = tenants.map((tenant) => ({
    authorization: `Bearer ${jwt.sign({ iss: bench.workspaceKey, tenantKey: tenant.internal_id }, bench.secret, {
      algorithm: 'HS256',
      expiresIn: 3600,
    })}`,
  }));
  const targets = {
    direct: `${bench.url}/tenants/self`,
    gateway: `${gatewayUrl}/tenants/self`,
    passThrough: `${passThroughUrl}/tenants/self`,
  };
  /** CPU time (µs) of a child process so far: utime + stime of /proc/<pid>/stat, in clock ticks of 10 ms. */
  const processCpu = (pid) => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  };
  // The proxy a target goes through (none for direct), whose CPU is counted as the gateway's.
  const proxyOf = { [targets.gateway]: gateway.pid, [targets.passThrough]: passThrough.pid };
  const gatewayCpu = (url) => (proxyOf[url] === undefined ? 0 : processCpu(proxyOf[url]));
  // Each run also counts CPU per request, which the machine's load does not change: the instance's (this
  // process, all its threads, less the load worker's own) and the gateway's (its process, all its threads),
  // both over the load's window only: the worker's start and stop (some 80 ms of this process's CPU) were
  // counted as the instance's before, which per request weighed more on the target that served fewer.
  const load = async (url, durationMs) => {
    const at = [];
    const onWindow = () => at.push({ instance: process.cpuUsage(), gateway: gatewayCpu(url) });
    const result = await runLoad({ url, durationMs, concurrency, headers, onWindow });
    const [start, end] = at;
    const count = result.requests + result.errors;
    const instanceUsed = end.instance.user + end.instance.system - (start.instance.user + start.instance.system);
    return {
      ...result,
      instanceCpu: (instanceUsed - result.loadCpuMicros) / count,
      gatewayCpu: (end.gateway - start.gateway) / count,
    };
  };
  for (const url of Object.values(targets)) await load(url, warmupSeconds * 1000);
  const results = { direct: [], gateway: [], passThrough: [] };
  for (let round = 0; round < rounds; round++) {
    for (const [name, url] of Object.entries(targets)) results[name].push(await load(url, seconds * 1000));
  }
  const total = (runs) => ({
    throughput: runs.reduce((sum, run) => sum + run.throughput, 0) / runs.length,
    p50: runs.reduce((sum, run) => sum + run.p50, 0) / runs.length,
    p99: runs.reduce((sum, run) => sum + run.p99, 0) / runs.length,
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    instanceCpu: runs.reduce((sum, run) => sum + run.instanceCpu, 0) / runs.length,
    gatewayCpu: runs.reduce((sum, run) => sum + run.gatewayCpu, 0) / runs.length,
  });
  const direct = total(results.direct);
  const through = total(results.gateway);
  const floor = total(results.passThrough);
  const format = (r) =>
    `${r.throughput.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  errors ${r.errors}`;
  console.log(
    `GET /tenants/self — concurrency ${concurrency}, pool ${poolSize}, ${rounds} rounds of ${seconds}s each, alternating, this machine`,
  );
  console.log(`  direct         ${format(direct)}`);
  console.log(`  via gateway    ${format(through)}`);
  console.log(
    `  gateway / direct throughput: ${((100 * through.throughput) / direct.throughput).toFixed(1)}% (target ≥ 80%)`,
  );
  console.log(
    `  added latency: p50 +${(through.p50 - direct.p50).toFixed(2)} ms, p99 +${(through.p99 - direct.p99).toFixed(2)} ms`,
  );
  console.log(
    `  CPU per request: instance ${direct.instanceCpu.toFixed(0)} µs (direct) / ${through.instanceCpu.toFixed(0)} µs (via gateway), gateway ${through.gatewayCpu.toFixed(0)} µs`,
  );
  console.log(
    `  where CPU is the limit (instance and gateway on the same cores): ${((100 * through.instanceCpu) / (through.instanceCpu + through.gatewayCpu)).toFixed(1)}% of direct`,
  );
  console.log(
    `  floor, not the target — bare Fastify + reply-from pass-through (bench/gateway/pass-through.mjs): ${format(floor)}`,
  );
  console.log(
    `    = ${((100 * floor.throughput) / direct.throughput).toFixed(1)}% of direct; CPU per request: instance ${floor.instanceCpu.toFixed(0)} µs, pass-through ${floor.gatewayCpu.toFixed(0)} µs; where CPU is the limit: ${((100 * floor.instanceCpu) / (floor.instanceCpu + floor.gatewayCpu)).toFixed(1)}% of direct`,
  );
  console.log(
    `  load average: ${loadavg()
      .map((value) => value.toFixed(1))
      .join(' ')} on ${cpus().length} cores`,
  );
} finally {
  gateway.kill('SIGTERM');
  passThrough.kill('SIGTERM');
  await nats.close();
  await bench.close();
}
