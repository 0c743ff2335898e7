// What the GET /tenants/self benches share: the bare baseline server and the seeding of tenants.
import Fastify from 'fastify';
import pg from 'pg';

import { queryPreparedAfter, withClient } from '../../libs/persistence/dist/index.js';

const COLUMNS =
  'id, internal_id, name, fields, sealed_credentials, ai_credits_rolling_30_day_limit, created_at, updated_at, archived_at';
const TENANT_BY_ID = `SELECT ${COLUMNS} FROM tenants WHERE id = $1`;
// What the instance runs for the row (TenantsRepository.findVisible): the tenant scope's settings, then the row
// by id under row-level security, two named prepared statements in one round trip and one transaction.
const SET_SCOPE =
  "SELECT set_config('app.workspace_id', $1::uuid::text, true), " +
  "set_config('app.tenant_id', COALESCE($2::uuid::text, ''), true), " +
  "set_config('app.parent_tenant_id', COALESCE($3::uuid::text, ''), true)";
const toDto = (row) => ({
  id: row.id,
  internalId: row.internal_id,
  name: row.name,
  fields: row.fields,
  hasCredentials: row.sealed_credentials !== null,
  aiCreditsRolling30DayLimit: row.ai_credits_rolling_30_day_limit,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
  archivedAt: row.archived_at,
});

/**
 * The baseline: the same row by id (header `x-tenant-id`), no auth, no scope, the same pool size, as
 * the owner. `/tenants/self` plain; `/tenants/self-prepared` with a named prepared statement, as the
 * instance reads the row, so that what the statement saves is not mistaken for what the rest of the
 * stack costs. With `scoped` (`{ appUrl, workspaceId }`), also `/tenants/self-scoped`: the instance's
 * own statements (the tenant scope's settings, then the row read under row-level security, as the app
 * role, in one round trip: queryPreparedAfter, as TenantsRepository.findVisible) — the part of the gap
 * that is Postgres' work, not Node's.
 * @returns the Fastify app (listening on 127.0.0.1), its URL, and `close()`.
 */
export async function startBareTenantServer(ownerUrl, poolSize, scoped) {
  const pool = new pg.Pool({ connectionString: ownerUrl, max: poolSize });
  const appPool = scoped ? new pg.Pool({ connectionString: scoped.appUrl, max: poolSize }) : undefined;
  const bare = Fastify();
  bare.get('/tenants/self', async (request) => {
    const { rows } = await pool.query(TENANT_BY_ID, [request.headers['x-tenant-id']]);
    return toDto(rows[0]);
  });
  bare.get('/tenants/self-prepared', async (request) => {
    const { rows } = await pool.query({
      name: 'tenant_by_id',
      text: TENANT_BY_ID,
      values: [request.headers['x-tenant-id']],
    });
    return toDto(rows[0]);
  });
  if (appPool) {
    bare.get('/tenants/self-scoped', async (request) => {
      const id = request.headers['x-tenant-id'];
      const rows = await queryPreparedAfter(
        appPool,
        { name: 'set_scope', text: SET_SCOPE, values: [scoped.workspaceId, id, null] },
        { name: 'tenant_by_id', text: TENANT_BY_ID, values: [id] },
      );
      return toDto(rows[0]);
    });
  }
  await bare.listen({ port: 0, host: '127.0.0.1' });
  return {
    app: bare,
    url: `http://127.0.0.1:${bare.server.address().port}`,
    async close() {
      await bare.close();
      await pool.end();
      await appPool?.end();
    },
  };
}

/**
 * Fills the workspace up to `total` tenants (`tenant-1` …), then returns `sample` of them spread over
 * the whole table, so that a larger run reads cold rows too: `{ id, internal_id }[]`.
 */
export async function seedTenants(ownerUrl, workspaceId, total, sample) {
  await withClient(ownerUrl, async (client) => {
    const { rows } = await client.query('SELECT count(*)::int AS n FROM tenants');
    const missing = total - rows[0].n;
    if (missing > 0) {
      await client.query(
        `INSERT INTO tenants (workspace_id, internal_id, name, fields)
         SELECT $1, 'tenant-' || g, 'Tenant ' || g, '{"plan":"pro"}'::jsonb FROM generate_series($2::int, $3::int) g`,
        [workspaceId, rows[0].n + 1, total],
      );
      await client.query('ANALYZE tenants');
    }
  });
  const step = Math.floor(total / sample);
  return withClient(ownerUrl, async (client) => {
    const keys = Array.from({ length: sample }, (_, i) => `tenant-${1 + i * step}`);
    const { rows } = await client.query('SELECT id, internal_id FROM tenants WHERE internal_id = ANY($1)', [keys]);
    return rows;
  });
}
