// `npm start`: the whole stack on this machine — the Hub on 8080,
// instances instance-a on 8081 and instance-b on 8082, and the gateway (one URL
// for every workspace, which the Hub hands out as `apiUrl`) on 8090 — against the local
// Postgres and a nats-server of its own, run with the shipped authorization
// (deploy/nats/nats-server.conf) on a free port from 4223 up, unless NATS_URL
// names another NATS. Creates databases and roles, runs migrations, starts the
// four services (each with its own NATS user) and prints where they are.
// Ctrl-C stops them all. The development defaults come from
// scripts/dev-defaults.json; services accept them only because this script sets
// SWITCHBOARD_DEV_DEFAULTS=true.
//
// Its ports are checked first: one in use is named and the script exits 1
// before touching anything. It exits non-zero whenever a service (or its
// nats-server) stops on its own, and prints its banner only once its own
// services answer /readyz. On a terminal the services' JSON logs are shown
// pretty (pino-pretty), one line each; otherwise they pass through as JSON.
// SWITCHBOARD_DEV_BASE_PORT (default 8080) moves the four ports together (the gateway is base + 10), and gives
// the stack databases of its own (named with the base port).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';

const env = process.env;
const defaults = JSON.parse(readFileSync(new URL('./dev-defaults.json', import.meta.url), 'utf8'));
/** A variable from the environment (when not empty), else its development default. */
const setting = (name) => env[name] || defaults.secrets[name] || defaults.public[name];
const pgHost = env.PGHOST ?? '127.0.0.1';
const pgPort = Number(env.PGPORT ?? 5432);
const adminUrl = env.DATABASE_ADMIN_URL ?? `postgres://postgres@${pgHost}:${pgPort}/postgres`;
const natsServerBin = env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
const natsConfig = new URL('../deploy/nats/nats-server.conf', import.meta.url).pathname;
// Development defaults only; set these in any real deployment.
const adminEmail = setting('HUB_BOOTSTRAP_ADMIN_EMAIL');
const adminToken = setting('HUB_BOOTSTRAP_ADMIN_TOKEN');
const encryptionKeys = setting('ENCRYPTION_KEYS');
/** The NATS password of each service's own user, as nats-server reads it ($NATS_…_PASSWORD in the config). */
const natsPasswords = {
  NATS_HUB_PASSWORD: setting('NATS_HUB_PASSWORD'),
  NATS_INSTANCE_A_PASSWORD: setting('NATS_INSTANCE_A_PASSWORD'),
  NATS_INSTANCE_B_PASSWORD: setting('NATS_INSTANCE_B_PASSWORD'),
  NATS_GATEWAY_PASSWORD: setting('NATS_GATEWAY_PASSWORD'),
};

const dbPassword = encodeURIComponent(setting('SWITCHBOARD_DB_PASSWORD'));
const dbUrl = (role, database) => `postgres://${role}:${dbPassword}@${pgHost}:${pgPort}/${database}`;
const basePort = Number(env.SWITCHBOARD_DEV_BASE_PORT || 8080);
if (!Number.isInteger(basePort) || basePort < 1 || basePort > 65525) {
  console.error(`SWITCHBOARD_DEV_BASE_PORT must be a port number (1–65525), not ${env.SWITCHBOARD_DEV_BASE_PORT}`);
  process.exit(1);
}
const gatewayPort = basePort + 10;
// A moved stack has databases of its own (switchboard_hub_18080, …), so that two stacks on one Postgres do not
// share the instance registry and rewrite each other's instance URLs.
const databaseSuffix = basePort === 8080 ? '' : `_${basePort}`;
const services = [
  {
    name: 'hub',
    app: 'hub',
    port: basePort,
    database: `switchboard_hub${databaseSuffix}`,
    env: {
      HUB_PORT: String(basePort),
      // Clients are handed the gateway's URL for every workspace.
      HUB_GATEWAY_URL: `http://localhost:${gatewayPort}`,
      HUB_BOOTSTRAP_ADMIN_EMAIL: adminEmail,
      HUB_BOOTSTRAP_ADMIN_TOKEN: adminToken,
      HUB_SIGNING_KEY: setting('HUB_SIGNING_KEY'),
      NATS_USER: 'hub',
      NATS_PASSWORD: natsPasswords.NATS_HUB_PASSWORD,
    },
  },
  ...['a', 'b'].map((letter, index) => ({
    name: `instance-${letter}`,
    app: 'instance',
    port: basePort + 1 + index,
    database: `switchboard_instance_${letter}${databaseSuffix}`,
    env: {
      INSTANCE_PORT: String(basePort + 1 + index),
      INSTANCE_ID: `instance-${letter}`,
      INSTANCE_API_URL: `http://localhost:${basePort + 1 + index}`,
      HUB_PUBLIC_KEY: setting('HUB_PUBLIC_KEY'),
      NATS_USER: `instance-${letter}`,
      NATS_PASSWORD: natsPasswords[`NATS_INSTANCE_${letter.toUpperCase()}_PASSWORD`],
    },
  })),
  {
    name: 'gateway',
    app: 'gateway',
    port: gatewayPort,
    // No database: it learns placements from the Hub over NATS.
    database: undefined,
    env: {
      GATEWAY_PORT: String(gatewayPort),
      GATEWAY_PUBLIC_URL: `http://localhost:${gatewayPort}`,
      NATS_USER: 'gateway',
      NATS_PASSWORD: natsPasswords.NATS_GATEWAY_PASSWORD,
    },
  },
];

function reachable(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1500 });
    socket.once('connect', () => (socket.end(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/** Resolves true when something listens on host:port. */
function listening(port) {
  return reachable('127.0.0.1', port);
}

/** Resolves true when a server could listen on host:port now (nothing holds it). */
function bindable(port, host) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** The first port from `from` up that nothing listens on. */
async function freePortFrom(from) {
  for (let port = from; port < from + 100; port++) {
    if (await bindable(port, '127.0.0.1')) return port;
  }
  throw new Error(`no free port for nats-server from ${from}`);
}

// The services listen on 0.0.0.0 (HUB_HOST / INSTANCE_HOST): a port someone holds on any address would make
// one of them fail, and an earlier stack on them would answer our readiness checks. Say so now instead.
const taken = [];
for (const service of services) {
  if (!(await bindable(service.port, '0.0.0.0')) || (await listening(service.port))) taken.push(service);
}
if (taken.length > 0) {
  for (const service of taken) {
    console.error(
      `port ${service.port} (${service.name}) is in use: is another npm start running? (ss -ltnp 'sport = :${service.port}' shows who holds it)`,
    );
  }
  console.error(
    'Stop it, or set SWITCHBOARD_DEV_BASE_PORT to move the four ports (hub, instance-a, instance-b, and the gateway at +10).',
  );
  process.exit(1);
}

const missing = [];
if (!(await reachable(pgHost, pgPort))) {
  missing.push(
    `Postgres is not reachable on ${pgHost}:${pgPort}. Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`,
  );
}
if (env.NATS_URL) {
  const nats = new URL(env.NATS_URL);
  if (!(await reachable(nats.hostname, Number(nats.port || 4222)))) {
    missing.push(
      `NATS is not reachable at ${env.NATS_URL}. Start it: start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -l /var/log/nats-server.log`,
    );
  }
} else if (!existsSync(natsServerBin)) {
  missing.push(
    `npm start runs its own nats-server, but ${natsServerBin} does not exist: install nats-server (or set NATS_SERVER_BIN), or set NATS_URL to a running NATS.`,
  );
}
if (missing.length > 0) {
  for (const line of missing) console.error(line);
  process.exit(1);
}

/** The services, once started; `stop` ends them (and our nats-server). */
const children = [];
let stopping = false;
/** The exit code: the worst any `stop` asked for, so that a failure is never reported as 0. */
let exitCode = 0;

// Our own nats-server with the shipped authorization, unless NATS_URL names another. Core NATS only:
// Switchboard uses request/reply and publish/subscribe, no JetStream (the outboxes live in Postgres).
let natsServer;
let natsUrl = env.NATS_URL;
if (!natsUrl) {
  const port = await freePortFrom(4223);
  natsServer = spawn(natsServerBin, ['-c', natsConfig, '-a', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: env.PATH ?? '', ...natsPasswords },
    // Its own process group: a Ctrl-C on the terminal reaches the services, not it, and `stop` ends it once
    // they have closed their connections (else each logs the lost connection as an error while stopping).
    detached: true,
  });
  process.on('exit', () => natsServer.kill('SIGTERM'));
  // Its banner is long: keep its last lines, shown only if it stops on its own.
  const natsLog = [];
  natsServer.stderr.on('data', (chunk) => {
    natsLog.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    natsLog.splice(0, Math.max(0, natsLog.length - 20));
  });
  natsServer.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(natsLog.join('\n'));
      console.error(`nats-server exited (${signal ?? code}); stopping the stack`);
      stop(1);
    }
  });
  for (let attempt = 0; attempt < 100 && !(await listening(port)); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!(await listening(port))) {
    console.error(`nats-server did not listen on 127.0.0.1:${port}`);
    stop(1);
    await new Promise(() => {});
  }
  natsUrl = `nats://127.0.0.1:${port}`;
}

const common = {
  ...env,
  NATS_URL: natsUrl,
  ENCRYPTION_KEYS: encryptionKeys,
  LOG_LEVEL: env.LOG_LEVEL ?? 'info',
  // Webhooks to a receiver on this machine (the README walk-through); production allows no such range.
  OUTBOUND_ALLOWED_CIDRS: env.OUTBOUND_ALLOWED_CIDRS ?? '127.0.0.0/8,::1/128',
  // The published development defaults above are accepted only because of this; never set it elsewhere.
  SWITCHBOARD_DEV_DEFAULTS: 'true',
};
for (const service of services.filter((candidate) => candidate.database)) {
  const app = service.app;
  const result = spawnSync('node', [`apps/${app}/dist/db-setup.js`], {
    stdio: 'inherit',
    env: {
      ...common,
      ...service.env,
      DATABASE_URL: dbUrl('switchboard_app', service.database),
      DATABASE_MIGRATION_URL: dbUrl('switchboard_owner', service.database),
      DATABASE_ADMIN_URL: adminUrl,
    },
  });
  if (result.status !== 0) {
    console.error(`setting up the database of ${service.name} failed`);
    stop(1);
    await new Promise(() => {});
  }
}

// On a terminal, each JSON log line of a service is shown pretty, one line each (pino-pretty, a dev
// dependency); anything else (a stack trace printed before the logger exists) passes as it is.
const pretty = process.stdout.isTTY && !env.NO_PRETTY_LOGS ? await prettifier() : undefined;

/** pino-pretty's line formatter, or undefined (JSON logs) when it is not installed. */
async function prettifier() {
  try {
    const { prettyFactory } = (await import('pino-pretty')).default;
    return prettyFactory({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true });
  } catch {
    return undefined;
  }
}

/** Copies a child's output to ours, line by line, prettified when `pretty` is set. */
function relay(from, to) {
  createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => {
    const formatted = line.startsWith('{') ? pretty(line) : undefined;
    to.write(formatted || `${line}\n`);
  });
}

children.push(
  ...services.map((service) => {
    const child = spawn('node', [`apps/${service.app}/dist/main.js`], {
      stdio: pretty ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
      env: {
        ...common,
        ...service.env,
        ...(service.database ? { DATABASE_URL: dbUrl('switchboard_app', service.database) } : {}),
      },
    });
    if (pretty) {
      relay(child.stdout, process.stdout);
      relay(child.stderr, process.stderr);
    }
    child.on('exit', (code, signal) => {
      if (!stopping) {
        console.error(`${service.name} exited (${signal ?? code}); stopping the stack`);
        stop(1);
      }
    });
    return child;
  }),
);

function stop(code = 0) {
  exitCode = Math.max(exitCode, code);
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  // NATS last, once every service has exited (or after 10 s), so that they close their connections first.
  const exited = children.map((child) =>
    child.exitCode !== null || child.signalCode !== null
      ? undefined
      : new Promise((resolve) => child.once('exit', resolve)),
  );
  const giveUp = new Promise((resolve) => setTimeout(resolve, 10_000).unref());
  void Promise.race([Promise.all(exited), giveUp]).then(() => {
    natsServer?.kill('SIGTERM');
    process.exit(exitCode);
  });
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

/** True once every service of ours answers /readyz 200; false when one stopped, or after 60 s. */
async function waitReady() {
  for (let attempt = 0; attempt < 300; attempt++) {
    // A service that exited cannot be what answers on its port: stop waiting (its exit handler stops the stack).
    if (stopping || children.some((child) => child.exitCode !== null || child.signalCode !== null)) return false;
    const states = await Promise.all(
      services.map((service) =>
        fetch(`http://127.0.0.1:${service.port}/readyz`).then(
          (response) => response.ok,
          () => false,
        ),
      ),
    );
    if (states.every(Boolean)) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

if ((await waitReady()) && !stopping) {
  console.log(`
Switchboard is running:
  NATS        ${natsUrl}${natsServer ? '   (its own nats-server, with deploy/nats/nats-server.conf)' : ''}
${services
  .filter((service) => service.app !== 'gateway')
  .map(
    (service) =>
      `  ${(service.name === 'hub' ? 'Hub' : service.name).padEnd(10)}  http://localhost:${service.port}   (docs: http://localhost:${service.port}/docs)`,
  )
  .join('\n')}
  Gateway     http://localhost:${gatewayPort}   (every workspace's apiUrl: routes by the token's workspace)

Platform admin: ${adminEmail}
Admin token:    ${adminToken}${env.HUB_BOOTSTRAP_ADMIN_TOKEN ? '' : '   (development default; set HUB_BOOTSTRAP_ADMIN_TOKEN)'}

Try: curl -H "Authorization: Bearer ${adminToken}" http://localhost:${basePort}/users/me
Ctrl-C stops everything.`);
} else if (!stopping) {
  console.error('the services did not become ready in time');
  stop(1);
}
