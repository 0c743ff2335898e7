// Tenants with one member API key each, for the API-key benches.
import jwt from 'jsonwebtoken';

/**
 * Makes `count` tenants as tokens make them (GET /tenants/self with a tenant
 * JWT creates each on first sight) and one member key for each
 * (POST /tenants/{id}/api-keys with a workspace-admin JWT), through `call`
 * (method, path, headers, body → the parsed JSON answer; throws on a non-2xx).
 * @returns [{ token, key }]: the tenant's JWT (an hour) and its key.
 */
export async function tenantsWithKeys(call, { workspaceKey, secret, count }) {
  const sign = (claims) => jwt.sign({ iss: workspaceKey, ...claims }, secret, { algorithm: 'HS256', expiresIn: 3600 });
  const adminToken = sign({ isAdmin: true });
  const tenants = [];
  for (let i = 0; i < count; i++) {
    const token = sign({ tenantKey: `tenant-${i}` });
    const self = await call('GET', '/tenants/self', { authorization: `Bearer ${token}` });
    const key = await call(
      'POST',
      `/tenants/${self.id}/api-keys`,
      { authorization: `Bearer ${adminToken}` },
      { name: 'bench' },
    );
    tenants.push({ token, key: key.key });
  }
  return tenants;
}
