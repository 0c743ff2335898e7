// The access-token route's own CPU cost, free of the machine's load: requests
// go through the Hub's whole stack in process (Fastify's inject: no sockets, no
// load generator), 32 at a time, and the main thread's CPU time
// (process.threadCpuUsage, not wall time) is divided by their number; GET
// /healthz, measured the same way, is the stack with no work. Five rounds of
// 20,000 each; the minimum is the least disturbed. Throughput on a shared
// machine swings by 2x; this number by about 15 %.
//
//   npm run build --silent && node bench/access-token/cpu.mjs
import { cpuPerRequest, formatRounds } from '../lib/cpu.mjs';
import { startBenchHub } from '../lib/hub.mjs';

const bench = await startBenchHub();
const { hub, adminToken, workspace } = bench;

const body = JSON.stringify({ tenantKey: 'tenant-1' });
try {
  const fastify = hub.getHttpAdapter().getInstance();
  const path = `/org-workspaces/${workspace.id}/access-token`;
  const one = () =>
    fastify.inject({
      method: 'POST',
      url: path,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      payload: body,
    });
  const health = () => fastify.inject({ method: 'GET', url: '/healthz' });
  const run = (inject, count) => cpuPerRequest(inject, count);
  await run(one, 30000);
  await run(health, 20000);
  const res = { token: [], healthz: [] };
  for (let round = 0; round < 5; round++) {
    res.token.push(await run(one, 20000));
    res.healthz.push(await run(health, 20000));
  }
  console.log(`inject CPU µs/request  token: ${formatRounds(res.token)}  healthz: ${formatRounds(res.healthz)}`);
} finally {
  await bench.close();
}
