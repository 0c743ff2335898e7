// GET /tenants/self's cost per request, API key vs JWT, free of the load
// generator: requests go one at a time through the instance's whole stack in
// process (Fastify's inject: no sockets), Postgres real, so each takes the
// instance's CPU plus one round trip to Postgres and Postgres' work on it.
// Rounds alternate the three ways; each round opens with a discarded batch
// (the first batch after a switch ran ~15 % slower whatever it was); the
// minimum over rounds is the least disturbed. On a shared two-core machine the
// throughput ratio (run.mjs) swung from 71 % to 104 % between runs on one day;
// this one between 90 % and 97 %.
//
//   npm run build --silent && node bench/api-key-self/latency.mjs     (BENCH_ROUNDS, BENCH_REQUESTS to tune)
import { tenantsWithKeys } from '../lib/api-keys.mjs';
import { startBenchInstance } from '../lib/instance.mjs';

const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const requests = Number(process.env.BENCH_REQUESTS ?? 3000);

const bench = await startBenchInstance({ poolSize: 4 });
const { instance, workspaceKey, secret } = bench;
const fastify = instance.getHttpAdapter().getInstance();

async function call(method, url, headers, body) {
  const response = await fastify.inject({
    method,
    url,
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    payload: body ? JSON.stringify(body) : undefined,
  });
  if (response.statusCode >= 300) throw new Error(`${method} ${url} → ${response.statusCode} ${response.body}`);
  return response.json();
}

try {
  const tenants = await tenantsWithKeys(call, { workspaceKey, secret, count: 100 });
  const ways = {
    jwt: (tenant) => ({ authorization: `Bearer ${tenant.token}` }),
    'api key (X-API-Key)': (tenant) => ({ 'x-api-key': tenant.key }),
    'api key (Bearer)': (tenant) => ({ authorization: `Bearer ${tenant.key}` }),
  };
  const batch = async (headersOf) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < requests; i++) {
      const response = await fastify.inject({
        method: 'GET',
        url: '/tenants/self',
        headers: headersOf(tenants[i % tenants.length]),
      });
      if (response.statusCode !== 200) throw new Error(`GET /tenants/self → ${response.statusCode}`);
    }
    return Number(process.hrtime.bigint() - started) / 1000 / requests;
  };
  const best = Object.fromEntries(Object.keys(ways).map((name) => [name, Infinity]));
  for (let round = 0; round < rounds; round++) {
    const names = Object.keys(ways);
    // A different order each round, and a discarded batch first.
    const order = names.map((_, i) => names[(i + round) % names.length]);
    await batch(ways[order[order.length - 1]]);
    for (const name of order) best[name] = Math.min(best[name], await batch(ways[name]));
  }
  console.log(`GET /tenants/self, one request at a time in process, min of ${rounds} rounds of ${requests}`);
  for (const [name, microseconds] of Object.entries(best)) {
    console.log(
      `  ${name.padEnd(20)} ${microseconds.toFixed(1).padStart(7)} µs/request  ` +
        `JWT's cost = ${((100 * best.jwt) / microseconds).toFixed(1)}% of this one's (target for keys ≥ 90%)`,
    );
  }
} finally {
  await bench.close();
}
