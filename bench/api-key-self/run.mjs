// GET /tenants/self on one real instance, authenticated two ways side by side
// in one run: a tenant JWT (verified once, then decided from memory) and a
// tenant API key (its revocation read from the database on every request, so
// a revoked key is refused at once on every replica). Same tenants, same
// concurrency, same pool; alternating rounds so that neither gets the warmer
// machine. Target: the API key path ≥ 90 % of the JWT path's throughput.
//
//   npm run bench:api-key-self            (BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_CONCURRENCY, BENCH_POOL, BENCH_ROUNDS to tune)
import { tenantsWithKeys } from '../lib/api-keys.mjs';
import { startBenchInstance } from '../lib/instance.mjs';
import { runLoad } from '../lib/load.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
// Long enough for the JIT to settle: with 1.5 s the first measured run was a third slower than the next.
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
const poolSize = Number(process.env.BENCH_POOL ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const sampleTenants = 200;

const bench = await startBenchInstance({ poolSize });
const { url: instanceUrl, workspaceKey, secret } = bench;

async function call(method, path, headers, body) {
  const response = await fetch(`${instanceUrl}${path}`, {
    method,
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${await response.text()}`);
  return response.json();
}

// Tenants made as tokens make them, each with one member key.
const tenants = await tenantsWithKeys(call, { workspaceKey, secret, count: sampleTenants });

const targets = {
  jwt: tenants.map((tenant) => ({ authorization: `Bearer ${tenant.token}` })),
  'api key (X-API-Key)': tenants.map((tenant) => ({ 'x-api-key': tenant.key })),
  'api key (Bearer)': tenants.map((tenant) => ({ authorization: `Bearer ${tenant.key}` })),
};
const load = (headers, durationMs) => runLoad({ url: `${instanceUrl}/tenants/self`, durationMs, concurrency, headers });
const format = (r) =>
  `${r.throughput.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  errors ${r.errors}`;

try {
  for (const headers of Object.values(targets)) await load(headers, warmupSeconds * 1000);
  const results = Object.fromEntries(Object.keys(targets).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, headers] of Object.entries(targets)) results[name].push(await load(headers, seconds * 1000));
  }
  console.log(
    `GET /tenants/self — JWT vs API key, concurrency ${concurrency}, pool ${poolSize}, ${rounds} rounds of ${seconds}s each, this machine`,
  );
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const jwtThroughput = median(results.jwt.map((r) => r.throughput));
  for (const [name, runs] of Object.entries(results)) {
    for (const run of runs) console.log(`  ${name.padEnd(20)}${format(run)}`);
    const throughput = median(runs.map((r) => r.throughput));
    console.log(
      `  ${name.padEnd(20)}median ${throughput.toFixed(0)} req/s = ${((100 * throughput) / jwtThroughput).toFixed(1)}% of JWT`,
    );
  }
} finally {
  await bench.close();
}
