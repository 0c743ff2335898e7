// Access-token issuance: POST /org-workspaces/{id}/access-token on the real Hub
// (platform token auth, org role check, the workspace's secret as a cached
// KeyObject) against a bare Fastify route that signs the same JWT with a
// KeyObject and nothing else — same concurrency, side by side in one run.
//
//   npm run bench:access-token         (BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_CONCURRENCY to tune)
import { createSecretKey } from 'node:crypto';

import Fastify from 'fastify';
import jwt from 'jsonwebtoken';

import { startBenchHub } from '../lib/hub.mjs';
import { runLoad } from '../lib/load.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
// Long enough for the JIT to settle: with 1.5 s the first measured run was a third slower than the next.
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);

const bench = await startBenchHub();
const { url: hubUrl, adminToken, workspace } = bench;

const key = createSecretKey(Buffer.from(workspace.secret, 'utf8'));
const bare = Fastify();
bare.post('/access-token', async (request) => {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: workspace.key, iat: now, exp: now + 3600, tenantKey: request.body.tenantKey };
  return {
    token: jwt.sign(claims, key, { algorithm: 'HS256', noTimestamp: true }),
    expiresAt: new Date((now + 3600) * 1000).toISOString(),
  };
});
await bare.listen({ port: 0, host: '127.0.0.1' });
const bareUrl = `http://127.0.0.1:${bare.server.address().port}`;

const body = JSON.stringify({ tenantKey: 'tenant-1' });
const load = (url, headers, durationMs) =>
  runLoad({ url, durationMs, concurrency, headers: [headers], method: 'POST', body });
const hubTarget = `${hubUrl}/org-workspaces/${workspace.id}/access-token`;
try {
  await load(hubTarget, { authorization: `Bearer ${adminToken}` }, warmupSeconds * 1000);
  await load(`${bareUrl}/access-token`, {}, warmupSeconds * 1000);
  const hubResult = await load(hubTarget, { authorization: `Bearer ${adminToken}` }, seconds * 1000);
  const bareResult = await load(`${bareUrl}/access-token`, {}, seconds * 1000);
  // The Hub's stack with no work at all (no auth, no database): the ceiling any Hub route can reach here.
  const floorResult = await runLoad({
    url: `${hubUrl}/healthz`,
    durationMs: seconds * 1000,
    concurrency,
    headers: [{}],
  });
  const format = (r) =>
    `${r.throughput.toFixed(0).padStart(6)} tokens/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  errors ${r.errors}`;
  console.log(`Access-token issuance — concurrency ${concurrency}, ${seconds}s each, this machine`);
  console.log(`  Hub    ${format(hubResult)}`);
  console.log(`  bare   ${format(bareResult)}`);
  console.log(`  Hub GET /healthz (its stack, no work) ${format(floorResult).replace('tokens/s', 'req/s')}`);
  console.log(
    `  Hub / bare: ${((100 * hubResult.throughput) / bareResult.throughput).toFixed(1)}%, ` +
      `ratio 1 : ${(bareResult.throughput / hubResult.throughput).toFixed(1)} (target ≥ 5,000 tokens/s)`,
  );
} finally {
  await bare.close();
  await bench.close();
}
