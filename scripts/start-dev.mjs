// `npm start`: the whole stack on this machine — the Hub on 8080 and
// instances instance-a on 8081 and instance-b on 8082 — against the local
// Postgres and a nats-server of its own, run with the shipped authorization
// (deploy/nats/nats-server.conf) on a free port from 4223 up, unless NATS_URL
// names another NATS. Creates databases and roles, runs migrations, starts the
// three services (each with its own NATS user) and prints where they are.
// Ctrl-C stops them all. The development defaults come from
// scripts/dev-defaults.json; services accept them only because this script sets
// SWITCHBOARD_DEV_DEFAULTS=true.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
};

const dbPassword = encodeURIComponent(setting('SWITCHBOARD_DB_PASSWORD'));
const dbUrl = (role, database) => `postgres://${role}:${dbPassword}@${pgHost}:${pgPort}/${database}`;
const services = [
  {
    name: 'hub',
    port: 8080,
    database: 'switchboard_hub',
    env: {
      HUB_PORT: '8080',
      HUB_BOOTSTRAP_ADMIN_EMAIL: adminEmail,
      HUB_BOOTSTRAP_ADMIN_TOKEN: adminToken,
      HUB_SIGNING_KEY: setting('HUB_SIGNING_KEY'),
      NATS_USER: 'hub',
      NATS_PASSWORD: natsPasswords.NATS_HUB_PASSWORD,
    },
  },
  ...['a', 'b'].map((letter, index) => ({
    name: `instance-${letter}`,
    port: 8081 + index,
    database: `switchboard_instance_${letter}`,
    env: {
      INSTANCE_PORT: String(8081 + index),
      INSTANCE_ID: `instance-${letter}`,
      INSTANCE_API_URL: `http://localhost:${8081 + index}`,
      HUB_PUBLIC_KEY: setting('HUB_PUBLIC_KEY'),
      NATS_USER: `instance-${letter}`,
      NATS_PASSWORD: natsPasswords[`NATS_INSTANCE_${letter.toUpperCase()}_PASSWORD`],
    },
  })),
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

/** The first port from `from` up that nothing listens on. */
async function freePortFrom(from) {
  for (let port = from; port < from + 100; port++) {
    const free = await new Promise((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port for nats-server from ${from}`);
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
      `NATS is not reachable at ${env.NATS_URL}. Start it: start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log`,
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

// Our own nats-server with the shipped authorization, unless NATS_URL names another.
let natsServer;
let natsStore;
let natsUrl = env.NATS_URL;
if (!natsUrl) {
  const port = await freePortFrom(4223);
  natsStore = mkdtempSync(join(tmpdir(), 'switchboard-nats-'));
  natsServer = spawn(
    natsServerBin,
    ['-c', natsConfig, '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', natsStore],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: env.PATH ?? '', ...natsPasswords },
    },
  );
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
for (const service of services) {
  const app = service.name === 'hub' ? 'hub' : 'instance';
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

children.push(
  ...services.map((service) => {
    const app = service.name === 'hub' ? 'hub' : 'instance';
    const child = spawn('node', [`apps/${app}/dist/main.js`], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...common, ...service.env, DATABASE_URL: dbUrl('switchboard_app', service.database) },
    });
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
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  // NATS last, so that the services can close their connections first.
  setTimeout(() => {
    natsServer?.kill('SIGTERM');
    if (natsStore) rmSync(natsStore, { recursive: true, force: true });
    process.exit(code);
  }, 1500).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

async function waitReady() {
  for (let attempt = 0; attempt < 100; attempt++) {
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

if (await waitReady()) {
  console.log(`
Switchboard is running:
  NATS        ${natsUrl}${natsServer ? '   (its own nats-server, with deploy/nats/nats-server.conf)' : ''}
  Hub         http://localhost:8080   (docs: http://localhost:8080/docs)
  instance-a  http://localhost:8081   (docs: http://localhost:8081/docs)
  instance-b  http://localhost:8082   (docs: http://localhost:8082/docs)

Platform admin: ${adminEmail}
Admin token:    ${adminToken}${env.HUB_BOOTSTRAP_ADMIN_TOKEN ? '' : '   (development default; set HUB_BOOTSTRAP_ADMIN_TOKEN)'}

Try: curl -H "Authorization: Bearer ${adminToken}" http://localhost:8080/users/me
Ctrl-C stops everything.`);
} else {
  console.error('the services did not become ready in time');
  stop(1);
}
