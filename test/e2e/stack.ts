import { generateToken, Keyring } from '@switchboard/crypto';
import {
  createTestDatabase,
  freePort,
  natsNamespace,
  natsUrl,
  type ServiceProcess,
  startServiceProcess,
  TEST_HUB_KEYS,
  type TestDatabase,
} from '@switchboard/testing';

export interface Stack {
  hub: ServiceProcess;
  /** The NATS every service of the stack uses. */
  natsUrl: string;
  /** Every Hub replica (one unless hubReplicas was given). */
  hubs: ServiceProcess[];
  hubDatabase: TestDatabase;
  instanceDatabases: Record<string, TestDatabase>;
  instances: Record<string, ServiceProcess>;
  adminToken: string;
  namespace: string;
  /** Restarts a stopped or killed service with the same database and port. */
  restart(name: string): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

interface ServiceSpec {
  name: string;
  script: string;
  port: number;
  env: Record<string, string>;
}

/**
 * The built Hub and instances as child processes (what `npm start` runs), on
 * fresh databases and a NATS namespace of their own.
 */
export async function startStack(
  options: {
    instanceIds?: string[];
    natsUrl?: string;
    env?: Record<string, string>;
    hubReplicas?: number;
    /** A subject namespace of the test's choosing ('' for a private NATS with the shipped permissions). */
    namespace?: string;
    /** Variables for one service by name (`hub`, `instance-a`, …), e.g. its own NATS credentials. */
    serviceEnv?: Record<string, Record<string, string>>;
  } = {},
): Promise<Stack> {
  const instanceIds = options.instanceIds ?? ['instance-a', 'instance-b'];
  const hubNames = Array.from({ length: options.hubReplicas ?? 1 }, (_, i) => (i === 0 ? 'hub' : `hub-${i + 1}`));
  const instanceDatabases: Record<string, TestDatabase> = {};
  const namespace = options.namespace ?? natsNamespace();
  const adminToken = generateToken('sbp_');
  const common = {
    NATS_URL: options.natsUrl ?? natsUrl(),
    NATS_NAMESPACE: namespace,
    ENCRYPTION_KEYS: Keyring.generateKeySpec('e2e'),
    DATABASE_POOL_SIZE: '4',
    ...options.env,
  };
  const databases: TestDatabase[] = [];
  const specs: ServiceSpec[] = [];

  const hubDatabase = await createTestDatabase('hub');
  databases.push(hubDatabase);
  for (const name of hubNames) {
    const hubPort = await freePort();
    specs.push({
      name,
      script: 'apps/hub/dist/main.js',
      port: hubPort,
      env: {
        ...common,
        HUB_PORT: String(hubPort),
        HUB_HOST: '127.0.0.1',
        DATABASE_URL: hubDatabase.appUrl,
        HUB_BOOTSTRAP_ADMIN_EMAIL: 'admin@example.test',
        HUB_BOOTSTRAP_ADMIN_TOKEN: adminToken,
        // The Hub alone holds the signing key; instances get its public key.
        HUB_SIGNING_KEY: options.env?.['HUB_SIGNING_KEY'] ?? TEST_HUB_KEYS.signingKey,
        ...options.serviceEnv?.['hub'],
      },
    });
  }
  for (const id of instanceIds) {
    const database = await createTestDatabase('instance');
    databases.push(database);
    instanceDatabases[id] = database;
    const port = await freePort();
    specs.push({
      name: id,
      script: 'apps/instance/dist/main.js',
      port,
      env: {
        ...common,
        INSTANCE_ID: id,
        INSTANCE_PORT: String(port),
        INSTANCE_HOST: '127.0.0.1',
        INSTANCE_API_URL: `http://127.0.0.1:${port}`,
        INSTANCE_HEARTBEAT_INTERVAL_MS: '250',
        DATABASE_URL: database.appUrl,
        HUB_PUBLIC_KEY: options.env?.['HUB_PUBLIC_KEY'] ?? TEST_HUB_KEYS.publicKey,
        ...options.serviceEnv?.[id],
      },
    });
  }

  const running = new Map<string, ServiceProcess>();
  const launch = async (spec: ServiceSpec) => {
    const service = await startServiceProcess({ name: spec.name, script: spec.script, env: spec.env, port: spec.port });
    running.set(spec.name, service);
    return service;
  };
  try {
    await Promise.all(specs.map(launch));
  } catch (error) {
    await Promise.all([...running.values()].map((service) => service.kill()));
    await Promise.all(databases.map((database) => database.drop()));
    throw error;
  }

  const stack: Stack = {
    get hub() {
      return running.get('hub')!;
    },
    get hubs() {
      return hubNames.map((name) => running.get(name)!);
    },
    hubDatabase,
    natsUrl: common.NATS_URL,
    instanceDatabases,
    get instances() {
      return Object.fromEntries(instanceIds.map((id) => [id, running.get(id)!]));
    },
    adminToken,
    namespace,
    restart: async (name) => launch(specs.find((spec) => spec.name === name)!),
    stop: async () => {
      await Promise.all([...running.values()].map((service) => service.stop()));
      await Promise.all(databases.map((database) => database.drop()));
    },
  };
  return stack;
}

/** JSON over fetch with a bearer token. */
export async function call(
  url: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * The built gateway (apps/gateway) as a child process in front of `stack`, on
 * `port` (choose it first when the Hub is to hand out its URL: HUB_GATEWAY_URL),
 * ready once it has read the placement table from the Hub.
 */
export async function startGateway(
  stack: Pick<Stack, 'natsUrl' | 'namespace'>,
  port: number,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  return startServiceProcess({
    name: 'gateway',
    script: 'apps/gateway/dist/main.js',
    port,
    readyPath: '/health/ready',
    env: {
      NATS_URL: stack.natsUrl,
      NATS_NAMESPACE: stack.namespace,
      GATEWAY_PORT: String(port),
      GATEWAY_HOST: '127.0.0.1',
      ...env,
    },
  });
}

/**
 * A workspace access token the Hub issues to the stack's platform admin: for the tenant `tenantKey`, else a
 * workspace-admin token.
 * @throws Error naming the status and body when the Hub refuses.
 */
export async function accessToken(stack: Stack, workspaceId: string, tenantKey?: string): Promise<string> {
  const issued = await call(
    stack.hub.url,
    'POST',
    `/org-workspaces/${workspaceId}/access-token`,
    stack.adminToken,
    tenantKey ? { tenantKey } : { isAdmin: true },
  );
  if (issued.status !== 200) throw new Error(`access token: ${issued.status} ${JSON.stringify(issued.body)}`);
  return issued.body.token as string;
}
