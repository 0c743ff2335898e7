// GET /tenants/self's CPU cost on the instance, free of the machine's load:
// requests go through the instance's whole stack in process (Fastify's
// inject: no HTTP sockets, no load generator; Postgres is real), 32 at a time,
// and the main thread's CPU time (process.threadCpuUsage) is divided by their
// number; the bare server's prepared route, injected the same way, is the
// floor. 1,000 tenants; five rounds of 10,000; the minimum is the least
// disturbed.
//
//   npm run build --silent && node bench/tenants-self/cpu.mjs
import jwt from 'jsonwebtoken';

import { cpuPerRequest, formatRounds } from '../lib/cpu.mjs';
import { startBenchInstance } from '../lib/instance.mjs';
import { seedTenants, startBareTenantServer } from '../lib/tenants-self.mjs';

const poolSize = Number(process.env.BENCH_POOL ?? 10);
const sampleTenants = 1000;

const bench = await startBenchInstance({ poolSize });
const { instance, workspaceId, workspaceKey, secret } = bench;
const bare = await startBareTenantServer(bench.ownerUrl, poolSize);

try {
  const tenants = await seedTenants(bench.ownerUrl, workspaceId, 1000, sampleTenants);
  const tokens = tenants.map((tenant) =>
    jwt.sign({ iss: workspaceKey, tenantKey: tenant.internal_id }, secret, { algorithm: 'HS256', expiresIn: 3600 }),
  );
  const fastify = instance.getHttpAdapter().getInstance();
  let k = 0;
  const one = () =>
    fastify.inject({
      method: 'GET',
      url: '/tenants/self',
      headers: { authorization: `Bearer ${tokens[k++ % tokens.length]}` },
    });
  const bareOne = () =>
    bare.app.inject({
      method: 'GET',
      url: '/tenants/self-prepared',
      headers: { 'x-tenant-id': tenants[k++ % tenants.length].id },
    });
  const run = (inject, count) => cpuPerRequest(inject, count);
  await run(one, 20000);
  await run(bareOne, 20000);
  const res = { instance: [], bare: [] };
  for (let round = 0; round < 5; round++) {
    res.instance.push(await run(one, 10000));
    res.bare.push(await run(bareOne, 10000));
  }
  console.log(
    `inject CPU µs/request  instance: ${formatRounds(res.instance)}  bare prepared: ${formatRounds(res.bare)}`,
  );
} finally {
  await bare.close();
  await bench.close();
}
