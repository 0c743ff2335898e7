// The environment of the services a bench starts as child processes (what `npm start` runs, on loopback),
// beyond what each bench shares among them (NATS, keys, log level): one place for the variables every
// Hub and every instance needs, so that a bench names only what it changes.

/**
 * A Hub's own variables: its port on 127.0.0.1, its database (the app role's URL), the bootstrap
 * platform admin (`bench@example.test` with `adminToken`, an `sbp_…` token) and its Ed25519 signing key.
 * @param {{ port: number, databaseUrl: string, adminToken: string, signingKey: string }} hub
 * @returns {Record<string, string>}
 */
export function hubProcessEnv({ port, databaseUrl, adminToken, signingKey }) {
  return {
    HUB_PORT: String(port),
    HUB_HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    HUB_BOOTSTRAP_ADMIN_EMAIL: 'bench@example.test',
    HUB_BOOTSTRAP_ADMIN_TOKEN: adminToken,
    HUB_SIGNING_KEY: signingKey,
  };
}

/**
 * An instance's own variables: its id, its port on 127.0.0.1 and the API URL it registers (by default
 * `http://127.0.0.1:<port>`), its database (the app role's URL) and the Hub's public key it verifies
 * snapshots with.
 * @param {{ id: string, port: number, apiUrl?: string, databaseUrl: string, hubPublicKey: string }} instance
 * @returns {Record<string, string>}
 */
export function instanceProcessEnv({ id, port, apiUrl = `http://127.0.0.1:${port}`, databaseUrl, hubPublicKey }) {
  return {
    INSTANCE_ID: id,
    INSTANCE_PORT: String(port),
    INSTANCE_HOST: '127.0.0.1',
    INSTANCE_API_URL: apiUrl,
    DATABASE_URL: databaseUrl,
    HUB_PUBLIC_KEY: hubPublicKey,
  };
}
