// `npm start`: the whole stack on this machine — the Hub on 8080 and
// instances instance-a on 8081 and instance-b on 8082 — against the local
// Postgres and NATS. Creates databases and roles, runs migrations, starts the
// three services and prints where they are. Ctrl-C stops them all.
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';

import { SnapshotSigner } from '../libs/crypto/dist/index.js';

const env = process.env;
const pgHost = env.PGHOST ?? '127.0.0.1';
const pgPort = Number(env.PGPORT ?? 5432);
const natsUrl = env.NATS_URL ?? 'nats://127.0.0.1:4222';
const adminUrl = env.DATABASE_ADMIN_URL ?? `postgres://postgres@${pgHost}:${pgPort}/postgres`;
// Development defaults only; set these in any real deployment.
const adminEmail = env.HUB_BOOTSTRAP_ADMIN_EMAIL ?? 'admin@switchboard.local';
const adminToken = env.HUB_BOOTSTRAP_ADMIN_TOKEN ?? 'sbp_development_admin_token_do_not_use_in_production';
const encryptionKeys = env.ENCRYPTION_KEYS ?? 'dev:c3dpdGNoYm9hcmQtZGV2ZWxvcG1lbnQta2V5LTMyYnk=';
// The Hub signs snapshots with this Ed25519 seed; the instances verify with its public key, derived here.
const hubSigningKey = env.HUB_SIGNING_KEY ?? 'c3dpdGNoYm9hcmQtZGV2LWh1Yi1zaWduaW5nLXNlZWQ=';
const hubPublicKey = env.HUB_PUBLIC_KEY ?? SnapshotSigner.fromSeed(hubSigningKey).publicKey;

const dbUrl = (role, database) => `postgres://${role}:switchboard@${pgHost}:${pgPort}/${database}`;
const services = [
  {
    name: 'hub',
    port: 8080,
    database: 'switchboard_hub',
    env: {
      HUB_PORT: '8080',
      HUB_BOOTSTRAP_ADMIN_EMAIL: adminEmail,
      HUB_BOOTSTRAP_ADMIN_TOKEN: adminToken,
      HUB_SIGNING_KEY: hubSigningKey,
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
      HUB_PUBLIC_KEY: hubPublicKey,
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

const nats = new URL(natsUrl);
const missing = [];
if (!(await reachable(pgHost, pgPort))) {
  missing.push(
    `Postgres is not reachable on ${pgHost}:${pgPort}. Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`,
  );
}
if (!(await reachable(nats.hostname, Number(nats.port || 4222)))) {
  missing.push(
    `NATS is not reachable at ${natsUrl}. Start it: start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log`,
  );
}
if (missing.length > 0) {
  for (const line of missing) console.error(line);
  process.exit(1);
}

const common = {
  ...env,
  NATS_URL: natsUrl,
  ENCRYPTION_KEYS: encryptionKeys,
  LOG_LEVEL: env.LOG_LEVEL ?? 'info',
  // Webhooks to a receiver on this machine (the README walk-through); production allows no such range.
  OUTBOUND_ALLOWED_CIDRS: env.OUTBOUND_ALLOWED_CIDRS ?? '127.0.0.0/8,::1/128',
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
    process.exit(1);
  }
}

const children = services.map((service) => {
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
});

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 2000).unref();
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
