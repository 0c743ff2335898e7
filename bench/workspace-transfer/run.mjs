// Workspace export and import on one real instance: how long GET /workspace/export,
// a dry run, an idempotent import (everything unchanged) and an import that gives every
// element a new revision take, for a workspace of BENCH_ELEMENTS elements (spread over
// the element types) with BENCH_REVISIONS revisions each and BENCH_TENANTS tenants with
// one customisation and one own element each. Median of BENCH_ROUNDS runs of each.
//
//   npm run bench:workspace-transfer
import jwt from 'jsonwebtoken';

import { startBenchInstance } from '../lib/instance.mjs';

const elements = Number(process.env.BENCH_ELEMENTS ?? 400);
const revisions = Number(process.env.BENCH_REVISIONS ?? 4);
const tenants = Number(process.env.BENCH_TENANTS ?? 200);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const paths = ['connectors', 'actions', 'flows', 'field-mappings', 'data-sources'];

const bench = await startBenchInstance({ poolSize: 5 });
try {
  const { url, workspaceKey, secret } = bench;
  const sign = (claims) => jwt.sign({ iss: workspaceKey, ...claims }, secret, { algorithm: 'HS256', expiresIn: 3600 });
  const admin = sign({ isAdmin: true });
  async function call(method, path, token, body) {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${text}`);
    return text;
  }
  const definition = (i, r) => ({
    title: `Element ${i}`,
    revision: r,
    steps: [{ call: 'x', args: { i, r } }],
    note: 'n'.repeat(200),
  });

  for (let i = 0; i < elements; i++) {
    const path = paths[i % paths.length];
    await call('POST', `/${path}`, admin, { key: `e${i}`, name: `E${i}`, definition: definition(i, 1) });
    for (let r = 2; r <= revisions; r++) await call('PUT', `/${path}/e${i}`, admin, { definition: definition(i, r) });
  }
  for (let t = 0; t < tenants; t++) {
    const tenant = sign({ tenantKey: `t${t}` });
    await call('PUT', `/actions/e1/customization`, tenant, { definition: { note: `t${t}` } });
    await call('POST', '/flows', tenant, { key: `own-t${t}`, name: `Own ${t}`, definition: definition(t, 1) });
  }

  const time = async (what, run) => {
    const took = [];
    let result;
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      result = await run(round);
      took.push(performance.now() - started);
    }
    took.sort((a, b) => a - b);
    console.log(
      `${what.padEnd(48)} median ${took[Math.floor(took.length / 2)].toFixed(0)} ms  (min ${took[0].toFixed(0)}, max ${took[took.length - 1].toFixed(0)})`,
    );
    return result;
  };
  const text = await time('GET /workspace/export?includeTenants=true', () =>
    call('GET', '/workspace/export?includeTenants=true', admin),
  );
  const document = JSON.parse(text);
  console.log(
    `document: ${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB, ${document.elements.length} elements, ` +
      `${document.elements.reduce((n, e) => n + e.revisions.length, 0)} revisions, ${document.tenants.length} tenants ` +
      `with ${document.tenants.reduce((n, t) => n + t.elements.length, 0)} own elements`,
  );
  await time('POST /workspace/import?dryRun=true (unchanged)', () =>
    call('POST', '/workspace/import?dryRun=true', admin, document),
  );
  await time('POST /workspace/import (all unchanged, no write)', () =>
    call('POST', '/workspace/import', admin, document),
  );
  await time(`POST /workspace/import (${elements} new published revisions)`, (round) => {
    for (const element of document.elements) {
      const last = element.revisions[element.revisions.length - 1];
      element.revisions.push({
        revision: last.revision + 1,
        name: last.name,
        definition: { ...last.definition, round },
      });
      element.publishedRevision = last.revision + 1;
    }
    return call('POST', '/workspace/import', admin, document);
  });
} finally {
  await bench.close();
}
