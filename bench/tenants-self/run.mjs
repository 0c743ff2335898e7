// GET /tenants/self on a real instance (tenant JWT, passport-jwt, RLS scope,
// the app role) against a bare Fastify + pg server that reads the same row by
// id with no auth — same pool size, same concurrency, side by side in one run.
// Then the same with 1,000,000 tenants in the workspace. The instance reads the
// row with a named prepared statement; a second bare route does the same, so
// the report shows the ratio to the plain bare server and to one that saves what
// the statement saves (the target: ≥ 70 % of that one). A third bare route runs
// the instance's own statement (the tenant scope and the read under row-level
// security, as the app role), so that a reader can tell Postgres' share of the
// gap from the Node stack's.
//
//   npm run bench:tenants-self            (BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_CONCURRENCY, BENCH_POOL to tune)
import jwt from 'jsonwebtoken';

import { startBenchInstance } from '../lib/instance.mjs';
import { runLoad } from '../lib/load.mjs';
import { seedTenants, startBareTenantServer } from '../lib/tenants-self.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
// Long enough for the JIT to settle: with 1.5 s the first measured run was a third slower than the next.
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const poolSize = Number(process.env.BENCH_POOL ?? 10);
const sampleTenants = 1000;

const bench = await startBenchInstance({ poolSize });
const { url: instanceUrl, workspaceId, workspaceKey, secret } = bench;
const bare = await startBareTenantServer(bench.ownerUrl, poolSize, { appUrl: bench.appUrl, workspaceId });
const bareUrl = bare.url;

async function measure(label, total) {
  const tenants = await seedTenants(bench.ownerUrl, workspaceId, total, sampleTenants);
  const tokens = tenants.map((tenant) =>
    jwt.sign({ iss: workspaceKey, tenantKey: tenant.internal_id }, secret, { algorithm: 'HS256', expiresIn: 3600 }),
  );
  const headersForInstance = tokens.map((token) => ({ authorization: `Bearer ${token}` }));
  const headersForBare = tenants.map((tenant) => ({ 'x-tenant-id': tenant.id }));
  const load = (url, headers, durationMs) => runLoad({ url, durationMs, concurrency, headers });
  const targets = {
    instance: [`${instanceUrl}/tenants/self`, headersForInstance],
    bare: [`${bareUrl}/tenants/self`, headersForBare],
    barePrepared: [`${bareUrl}/tenants/self-prepared`, headersForBare],
    bareScoped: [`${bareUrl}/tenants/self-scoped`, headersForBare],
  };
  // Warm all four (JIT, pools, the token cache) before measuring.
  for (const [url, headers] of Object.values(targets)) await load(url, headers, warmupSeconds * 1000);
  const results = { label, total };
  for (const [name, [url, headers]] of Object.entries(targets))
    results[name] = await load(url, headers, seconds * 1000);
  return results;
}

const format = (r) =>
  `${r.throughput.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  errors ${r.errors}`;

try {
  const small = await measure('1,000 tenants', 1000);
  const large = await measure('1,000,000 tenants', 1_000_000);
  console.log(`GET /tenants/self — concurrency ${concurrency}, pool ${poolSize}, ${seconds}s each, this machine`);
  for (const run of [small, large]) {
    console.log(`\n${run.label}`);
    const lines = {
      instance: run.instance,
      bare: run.bare,
      'bare, prepared': run.barePrepared,
      'bare, scoped': run.bareScoped,
    };
    for (const [name, result] of Object.entries(lines)) console.log(`  ${name.padEnd(15)}${format(result)}`);
    console.log(`  instance / bare throughput: ${((100 * run.instance.throughput) / run.bare.throughput).toFixed(1)}%`);
    console.log(
      `  instance / bare with the same prepared statement: ${((100 * run.instance.throughput) / run.barePrepared.throughput).toFixed(1)}% (target ≥ 70%)`,
    );
    console.log(
      `  instance / bare running the instance's own scoped statement (RLS, app role): ${((100 * run.instance.throughput) / run.bareScoped.throughput).toFixed(1)}%`,
    );
  }
  console.log(
    `\ninstance p99, 1,000,000 vs 1,000 tenants: ${(large.instance.p99 / small.instance.p99).toFixed(2)}x (target ≤ 1.2x)`,
  );
} finally {
  await bare.close();
  await bench.close();
}
