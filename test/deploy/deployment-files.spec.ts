// No Docker engine or cluster runs where the tests do, so these tests read the deployment files instead: they
// parse them, render the k8s overlays with the real `kubectl kustomize`, validate every object against the
// Kubernetes schema and check every variable against the services' own config schemas.
import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { configVariableNames, loadConfig, PUBLISHED_SECRETS, secretKeysOf, secretMaterial } from '@switchboard/config';
import { Keyring } from '@switchboard/crypto';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { parse } from 'yaml';

import { GatewayConfig } from '../../apps/gateway/src/config.js';
import { HubConfig } from '../../apps/hub/src/config.js';
import { InstanceConfig } from '../../apps/instance/src/config.js';
import {
  type Container,
  containersOf,
  imageName,
  type KubernetesObject,
  mainContainerOf,
  must,
  podSpecOf,
  readYaml,
  renderKustomization,
} from './manifests.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type App = 'hub' | 'instance' | 'gateway';
type Script = 'main' | 'db-setup';

const SCHEMAS = { hub: HubConfig, instance: InstanceConfig, gateway: GatewayConfig } as const;
const VARIABLES: Record<App, Set<string>> = {
  hub: new Set(configVariableNames(HubConfig)),
  instance: new Set(configVariableNames(InstanceConfig)),
  gateway: new Set(configVariableNames(GatewayConfig)),
};
const REQUIRED: Record<App, string[]> = {
  hub: ['DATABASE_URL', 'ENCRYPTION_KEYS'],
  instance: ['DATABASE_URL', 'ENCRYPTION_KEYS', 'INSTANCE_ID', 'INSTANCE_API_URL'],
  // The gateway has no database and no keyring: it reads placements over NATS, as its own user.
  gateway: ['NATS_USER', 'NATS_PASSWORD'],
};
// The migration step creates roles and the database, so it needs the two connections the services never get.
const REQUIRED_BY_SETUP = ['DATABASE_MIGRATION_URL', 'DATABASE_ADMIN_URL'];

/** Which app and script a command runs: `node apps/<hub|instance|gateway>/dist/<main|db-setup>.js`; undefined for others. */
function switchboardCommand(command: unknown): { app: App; script: Script } | undefined {
  const match = /apps\/(hub|instance|gateway)\/dist\/(main|db-setup)\.js/.exec(JSON.stringify(command ?? ''));
  return match ? { app: match[1] as App, script: match[2] as Script } : undefined;
}

/** The secret variables of a service: its schema's `@Secret()`s. */
const SECRETS: Record<App, Set<string>> = {
  hub: new Set(secretKeysOf(HubConfig)),
  instance: new Set(secretKeysOf(InstanceConfig)),
  gateway: new Set(secretKeysOf(GatewayConfig)),
};

function unknownVariables(app: App, names: string[]): string[] {
  return names.filter((name) => !VARIABLES[app].has(name));
}

function missingVariables(app: App, script: Script, names: string[]): string[] {
  const required = script === 'db-setup' ? [...REQUIRED[app], ...REQUIRED_BY_SETUP] : REQUIRED[app];
  return required.filter((name) => !names.includes(name));
}

/** The service's own boot-time validation, as it would run on this environment. */
function configProblems(app: App, env: Record<string, string | undefined>): string | undefined {
  try {
    loadConfig<object>(SCHEMAS[app], env);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'monitoring.coreos.com/v1/ServiceMonitor': class {
    constructor(private readonly object: any) {}
    validate() {
      validateServiceMonitor(this.object);
    }
  },
};

/**
 * The fields of a Prometheus Operator ServiceMonitor (monitoring.coreos.com/v1) that ours uses, checked by
 * hand: kubernetes-models has no schema for CRDs. Anything else in its spec is refused.
 */
function validateServiceMonitor(object: any): void {
  const spec = object?.spec;
  const problems: string[] = [];
  if (typeof object?.metadata?.name !== 'string') problems.push('metadata.name must be a string');
  if (typeof spec !== 'object' || spec === null) throw new Error('ServiceMonitor: spec must be an object');
  for (const key of Object.keys(spec)) {
    if (!['selector', 'endpoints', 'namespaceSelector', 'jobLabel'].includes(key))
      problems.push(`spec.${key} is unknown`);
  }
  const labels = spec.selector?.matchLabels;
  if (typeof labels !== 'object' || labels === null || Object.values(labels).some((value) => typeof value !== 'string'))
    problems.push('spec.selector.matchLabels must map strings to strings');
  if (!Array.isArray(spec.endpoints) || spec.endpoints.length === 0) problems.push('spec.endpoints must be a list');
  for (const [index, endpoint] of (Array.isArray(spec.endpoints) ? spec.endpoints : []).entries()) {
    for (const key of Object.keys(endpoint)) {
      if (!['port', 'path', 'interval', 'scheme', 'honorLabels'].includes(key))
        problems.push(`spec.endpoints[${index}].${key} is unknown`);
    }
    if (endpoint.honorLabels !== undefined && typeof endpoint.honorLabels !== 'boolean')
      problems.push(`spec.endpoints[${index}].honorLabels must be a boolean`);
    if (typeof endpoint.port !== 'string') problems.push(`spec.endpoints[${index}].port must be a port name`);
    if (endpoint.path !== undefined && !/^\//.test(endpoint.path))
      problems.push(`spec.endpoints[${index}].path must start with /`);
    if (endpoint.interval !== undefined && !/^\d+(ms|s|m|h)$/.test(endpoint.interval))
      problems.push(`spec.endpoints[${index}].interval must be a duration such as 30s`);
  }
  if (problems.length > 0) throw new Error(`ServiceMonitor ${object?.metadata?.name}: ${problems.join('; ')}`);
}

/** Validates an object against the Kubernetes schema of its apiVersion and kind; an unknown kind fails. */
function validate(object: KubernetesObject): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`no schema known for ${object.apiVersion} ${object.kind}`);
  new Model(object).validate();
}

/** Where a compose service finds its secrets: Compose mounts each one at `/run/secrets/<name>`. */
const SECRETS_MOUNT = '/run/secrets/';

/**
 * Runs `npm run secrets:generate` into `directory`: the secret files in `directory/secrets`, the `.env` with
 * the public key beside them. Returns the `.env` variables; throws if the generator fails or prints a value.
 */
function runSecretsGenerator(directory: string): Record<string, string> {
  const envFile = join(directory, '.env');
  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'scripts/generate-secrets.mjs'), '--out', join(directory, 'secrets'), '--env', envFile],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`secrets:generate failed: ${result.stderr}`);
  expect(result.stdout).not.toMatch(/=/);
  return Object.fromEntries(
    readFileSync(envFile, 'utf8')
      .split('\n')
      .flatMap((line) => {
        const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
        return match ? [[match[1], match[2]]] : [];
      }),
  );
}

/** Every file of a secrets directory by name, with its contents and permission bits. */
function readSecretFiles(directory: string): Record<string, { value: string; mode: number }> {
  return Object.fromEntries(
    readdirSync(directory).map((name) => [
      name,
      { value: readFileSync(join(directory, name), 'utf8'), mode: statSync(join(directory, name)).mode & 0o777 },
    ]),
  );
}

/**
 * Docker compose's interpolation of `${NAME}` and `${NAME:?message}` in every string value (after the YAML is
 * parsed, so comments are left alone), and of `$$` as a literal `$`; a missing variable throws, as compose stops.
 */
function interpolate<T>(value: T, variables: Record<string, string>): T {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Z0-9_]+)(?::\?[^}]*)?\}/g, (match, name: string | undefined) => {
      if (name === undefined) return '$';
      const variable = variables[name];
      if (variable === undefined) throw new Error(`docker compose would stop: ${name} is not set`);
      return variable;
    }) as T;
  }
  if (Array.isArray(value)) return value.map((item: unknown) => interpolate(item, variables)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, variables)])) as T;
  }
  return value;
}

/** An operator's own value for a placeholder of the example Secret. */
function replacement(placeholder: string): string {
  if (/BASE64_OF/.test(placeholder)) return randomBytes(32).toString('base64');
  return randomBytes(24).toString('hex');
}

describe('Dockerfile', () => {
  // Instructions per stage, with continuation lines joined and comments dropped.
  const stages: { name: string; from: string; instructions: string[] }[] = [];
  for (const line of read('Dockerfile').replace(/\\\n/g, ' ').split('\n')) {
    const instruction = line.trim();
    if (instruction === '' || instruction.startsWith('#')) continue;
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(instruction);
    if (from) stages.push({ from: must(from[1], 'a FROM image'), name: from[2] ?? '', instructions: [] });
    else stages.at(-1)!.instructions.push(instruction);
  }
  const stage = (name: string) => stages.find((candidate) => candidate.name === name)!;
  const runtime = stages.at(-1)!;

  it('builds every stage on node:24-bookworm-slim pinned by digest, the major package.json requires', () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe('>=24');
    for (const [index, { from }] of stages.entries()) {
      const earlier = stages.slice(0, index).map((candidate) => candidate.name);
      expect(/^node:24-bookworm-slim@sha256:[0-9a-f]{64}$/.test(from) || earlier.includes(from)).toBe(true);
    }
  });

  it('installs with the lockfile, then builds', () => {
    const build = stage('build').instructions;
    const install = build.findIndex((instruction) => /^RUN npm ci\b/.test(instruction));
    expect(install).toBeGreaterThanOrEqual(0);
    expect(build.findIndex((instruction) => instruction === 'RUN npm run build')).toBeGreaterThan(install);
  });

  it('runs production dependencies and the built code only, as a non-root user, the app chosen by APP', () => {
    expect(runtime.instructions.some((instruction) => /^RUN npm ci --omit=dev\b/.test(instruction))).toBe(true);
    // Every app's and lib's dist, and the libs' package.json, whose exports lead the workspace links to dist.
    const gather = stage('build').instructions.find((instruction) => instruction.includes('/out'))!;
    for (const glob of ['apps/*/dist', 'libs/*/dist', 'libs/*/package.json']) expect(gather).toContain(glob);
    expect(runtime.instructions).toContain('COPY --from=build /out ./');
    expect(runtime.instructions).toContain('ARG APP=hub');
    expect(runtime.instructions).toContain('ENV APP=${APP}');
    const user = runtime.instructions.find((instruction) => instruction.startsWith('USER '))!;
    expect(user).not.toMatch(/^USER (root|0)\b/);
    const cmd = runtime.instructions.find((instruction) => instruction.startsWith('CMD '))!;
    expect(cmd).toContain('exec node apps/$APP/dist/main.js');
    for (const app of ['hub', 'instance']) expect(existsSync(join(ROOT, 'apps', app, 'src', 'main.ts'))).toBe(true);
  });

  it('leaves out of the build context what is built inside, and local secrets, but not what the build needs', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '**/node_modules', '**/dist', '.env']));
    for (const needed of ['package.json', 'package-lock.json', 'apps', 'libs', 'scripts', '.swcrc']) {
      expect(ignored).not.toContain(needed);
    }
  });
});

describe('docker-compose.yml', () => {
  interface ComposeService {
    image?: string;
    command?: string[];
    environment?: Record<string, string>;
    secrets?: string[];
    ports?: string[];
    expose?: string[];
    depends_on?: Record<string, { condition: string }>;
    healthcheck?: { test: string[] };
  }
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, ComposeService>;
    secrets?: Record<string, { file?: string }>;
  };
  const raw = compose.services;
  const declared = compose.secrets ?? {};
  // What `npm run secrets:generate` writes: the secret files, and the `.env` compose fills ${HUB_PUBLIC_KEY} from.
  const generatedIn = mkdtempSync(join(tmpdir(), 'sb-secrets-'));
  afterAll(() => rmSync(generatedIn, { recursive: true, force: true }));
  const dotEnv = runSecretsGenerator(generatedIn);
  const secretsDirectory = join(generatedIn, 'secrets');
  const secretFiles = readSecretFiles(secretsDirectory);
  const services = interpolate(raw, dotEnv);
  /** The compose service `name`, after (or, from `raw`, before) interpolation; throws if the file lacks it. */
  const composeService = (name: string, from = services) => must(from[name], `compose service ${name}`);
  /** The value of variable `name` in an environment (a compose service's, or the generated .env); throws if unset. */
  const envValue = (environment: Record<string, string> | undefined, name: string) =>
    must(environment?.[name], `${name} in the environment`);
  /** An environment as the service's container sees it, with `/run/secrets/` being where the test generated them. */
  const onHost = (env: Record<string, string>, directory = secretsDirectory) =>
    Object.fromEntries(
      Object.entries(env).map(([name, value]) => [
        name,
        value.startsWith(SECRETS_MOUNT) ? join(directory, value.slice(SECRETS_MOUNT.length)) : value,
      ]),
    );
  /** An environment with every `<NAME>_FILE` replaced by `NAME` and the contents of the generated file. */
  const resolved = (env: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(env).map(([name, value]) =>
        name.endsWith('_FILE') && value.startsWith(SECRETS_MOUNT)
          ? [name.slice(0, -'_FILE'.length), must(secretFiles[value.slice(SECRETS_MOUNT.length)], value).value]
          : [name, value],
      ),
    );
  const switchboard = Object.entries(services).flatMap(([name, service]) => {
    const command = switchboardCommand(service.command);
    return command ? [{ name, service, env: service.environment ?? {}, ...command }] : [];
  });
  const APPS = [
    ['hub', 'migrate-hub', 8080],
    ['instance-a', 'migrate-instance-a', 8081],
    ['instance-b', 'migrate-instance-b', 8082],
  ] as const;

  it('runs Postgres, NATS, a migration step per database, the Hub, two instances and the gateway', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'gateway',
        'hub',
        'instance-a',
        'instance-b',
        'migrate-hub',
        'migrate-instance-a',
        'migrate-instance-b',
        'nats',
        'postgres',
      ].sort(),
    );
    // Exact versions: a moving tag (postgres:15, nats:2.10-alpine) changes under a running deployment.
    expect(composeService('postgres').image).toMatch(/^postgres:15\.\d+$/);
    expect(composeService('postgres').healthcheck?.test.join(' ')).toContain('pg_isready');
    for (const [app, migration] of APPS) {
      expect(switchboardCommand(composeService(app).command)?.script).toBe('main');
      expect(switchboardCommand(composeService(migration).command)?.script).toBe('db-setup');
    }
    expect(switchboardCommand(composeService('gateway').command)).toEqual({ app: 'gateway', script: 'main' });
  });

  it('runs core NATS (no JetStream, which nothing uses) of an exact version, with a healthcheck on its monitoring port', () => {
    const nats = composeService('nats');
    // The default nats image is FROM scratch: a healthcheck (and the shell that reads the secrets) needs alpine's.
    expect(nats.image).toMatch(/^nats:2\.\d+\.\d+-alpine$/);
    expect(nats.command?.join(' ')).not.toMatch(/\s(-js|--jetstream)\b/);
    expect(nats.command?.join(' ')).toContain('exec nats-server -c /etc/nats/switchboard.conf -m 8222');
    expect(nats.healthcheck?.test.join(' ')).toContain(':8222/healthz');
  });

  it('publishes the Hub on 8080 and the instances on 8081 and 8082, each healthy when /readyz says so', () => {
    for (const [app, , port] of APPS) {
      const service = composeService(app);
      expect(service.ports).toEqual([`${port}:${port}`]);
      // The healthcheck asks the port the service listens on, which it reads from this variable.
      const env = service.environment ?? {};
      expect(env[app === 'hub' ? 'HUB_PORT' : 'INSTANCE_PORT']).toBe(String(port));
      const healthcheck = service.healthcheck?.test.join(' ') ?? '';
      expect(healthcheck).toContain('/readyz');
      expect(healthcheck).toMatch(/^CMD node -e /);
    }
  });

  it('publishes the gateway on 8090, healthy once it has the placements, after NATS and the Hub; the Hub hands out its URL', () => {
    const gateway = composeService('gateway');
    expect(gateway.ports).toEqual(['8090:8090']);
    expect(envValue(gateway.environment, 'GATEWAY_PORT')).toBe('8090');
    expect(gateway.healthcheck?.test.join(' ')).toContain('process.env.GATEWAY_PORT');
    expect(gateway.depends_on).toEqual({
      nats: { condition: 'service_healthy' },
      hub: { condition: 'service_healthy' },
    });
    expect(envValue(composeService('hub').environment, 'HUB_GATEWAY_URL')).toBe('http://localhost:8090');
    expect(envValue(gateway.environment, 'GATEWAY_PUBLIC_URL')).toBe('http://localhost:8090');
    // The gateway forwards to each instance at the URL it registers: one the gateway's container can reach.
    for (const id of ['instance-a', 'instance-b']) {
      const url = new URL(envValue(composeService(id).environment, 'INSTANCE_API_URL'));
      expect(url.hostname).toBe(id);
      expect(url.port).toBe(envValue(composeService(id).environment, 'INSTANCE_PORT'));
    }
    // No database, no keyring: what it does not need it is not given.
    expect(Object.keys(gateway.environment ?? {}).filter((name) => /DATABASE|ENCRYPTION/.test(name))).toEqual([]);
  });

  it('serves /metrics of every app on the ops port 9464, open to the compose network and not published', () => {
    for (const app of ['hub', 'instance-a', 'instance-b', 'gateway']) {
      const service = composeService(app);
      expect({ app, OPS_PORT: envValue(service.environment, 'OPS_PORT'), expose: service.expose }).toEqual({
        app,
        OPS_PORT: '9464',
        expose: ['9464'],
      });
      expect(service.ports?.join(' ')).not.toContain('9464');
    }
  });

  it('starts each migration after Postgres is healthy, and each app after its migration and NATS', () => {
    for (const [app, migration] of APPS) {
      expect(composeService(app).depends_on).toEqual({
        [migration]: { condition: 'service_completed_successfully' },
        nats: { condition: 'service_healthy' },
      });
      expect(composeService(migration).depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    }
  });

  it('gives each app its own database, used by the app role and migrated by the owner role', () => {
    const admin = new URL(envValue(resolved(composeService('migrate-hub').environment ?? {}), 'DATABASE_ADMIN_URL'));
    expect([admin.username, admin.password]).toEqual(['postgres', must(secretFiles['postgres_password'], '').value]);
    const databases = APPS.map(([app, migration]) => {
      const appUrl = new URL(envValue(resolved(composeService(app).environment ?? {}), 'DATABASE_URL'));
      const setup = resolved(composeService(migration).environment ?? {});
      expect(setup['DATABASE_URL']).toBe(appUrl.href);
      expect(setup['DATABASE_ADMIN_URL']).toBe(admin.href);
      const ownerUrl = new URL(envValue(setup, 'DATABASE_MIGRATION_URL'));
      expect([appUrl.username, ownerUrl.username]).toEqual(['switchboard_app', 'switchboard_owner']);
      expect(ownerUrl.pathname).toBe(appUrl.pathname);
      return { database: appUrl.pathname, passwords: [appUrl.password, ownerUrl.password] };
    });
    expect(databases.map(({ database }) => database)).toEqual([
      '/switchboard_hub',
      '/switchboard_instance_a',
      '/switchboard_instance_b',
    ]);
    // The roles are the cluster's: one password each, whichever database's URL holds it.
    expect(new Set(databases.map(({ passwords }) => passwords.join(' '))).size).toBe(1);
  });

  it('gives the Hub and every instance one valid keyring', () => {
    const keyrings = new Set(
      switchboard.filter(({ app }) => app !== 'gateway').map(({ env }) => resolved(env)['ENCRYPTION_KEYS']),
    );
    expect(keyrings.size).toBe(1);
    const [keyring] = keyrings;
    expect(Keyring.parse(must(keyring, 'ENCRYPTION_KEYS')).currentVersion).toBe('v1');
  });

  it('takes every secret from a file of .secrets/, mounted as a Compose secret, and none from the environment', () => {
    for (const [name, { file }] of Object.entries(declared))
      expect({ name, file }).toEqual({ name, file: `./.secrets/${name}` });
    for (const [name, service] of Object.entries(raw)) {
      const command = switchboardCommand(service.command);
      const env = service.environment ?? {};
      const secretNames = command
        ? [...SECRETS[command.app]]
        : Object.keys(env).filter((variable) => /PASSWORD|TOKEN|SECRET/.test(variable) && !variable.endsWith('_FILE'));
      expect({ name, inEnvironment: secretNames.filter((variable) => env[variable] !== undefined) }).toEqual({
        name,
        inEnvironment: [],
      });
      // Each file variable names a secret the service mounts, and each mounted secret is declared with its file.
      for (const [variable, value] of Object.entries(env).filter(([variable]) => variable.endsWith('_FILE'))) {
        const secret = value.slice(SECRETS_MOUNT.length);
        expect({
          name,
          variable,
          mounted: value.startsWith(SECRETS_MOUNT) && service.secrets?.includes(secret),
        }).toEqual({ name, variable, mounted: true });
      }
      for (const secret of service.secrets ?? [])
        expect({ name, secret, declared: secret in declared }).toEqual({ name, secret, declared: true });
    }
    // The only ${VARIABLE} left is the Hub's public key, which is no secret.
    const variables = new Set([...JSON.stringify(raw).matchAll(/\$\{([A-Z0-9_]+)/g)].map((match) => match[1]));
    expect([...variables]).toEqual(['HUB_PUBLIC_KEY']);
    // No generated secret, nor any part of one (a URL's password, a keyring's key), reaches an environment.
    const environments = JSON.stringify(Object.values(services).map((service) => service.environment ?? {}));
    const leaked = Object.entries(secretFiles).filter(([, { value }]) =>
      [value, ...secretMaterial(value)].some((material) => environments.includes(material)),
    );
    expect(leaked.map(([name]) => name)).toEqual([]);
  });

  it('has npm run secrets:generate write every secret file compose mounts, 0600 in a 0700 directory, kept when run again', () => {
    expect(Object.keys(secretFiles).sort()).toEqual(Object.keys(declared).sort());
    expect(statSync(secretsDirectory).mode & 0o777).toBe(0o700);
    expect(Object.entries(secretFiles).filter(([, { mode }]) => mode !== 0o600)).toEqual([]);
    expect(Object.entries(secretFiles).filter(([, { value }]) => value.trim() === '' || /\n/.test(value))).toEqual([]);
    expect(Buffer.from(must(secretFiles['hub_signing_key'], 'hub_signing_key').value, 'base64')).toHaveLength(32);

    const again = mkdtempSync(join(tmpdir(), 'sb-secrets-'));
    try {
      // Fresh values on a fresh directory; the same ones when run again on the same directory.
      const first = runSecretsGenerator(again);
      const fresh = readSecretFiles(join(again, 'secrets'));
      expect(fresh['encryption_keys']?.value).not.toBe(secretFiles['encryption_keys']?.value);
      expect(runSecretsGenerator(again)).toEqual(first);
      expect(readSecretFiles(join(again, 'secrets'))).toEqual(fresh);
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });

  it('moves the secrets of an earlier .env into their files, so that a running stack keeps its keyring and passwords', () => {
    const earlier = mkdtempSync(join(tmpdir(), 'sb-secrets-'));
    try {
      writeFileSync(
        join(earlier, '.env'),
        'ENCRYPTION_KEYS=v1:kept\nPOSTGRES_PASSWORD=kept-superuser\nSWITCHBOARD_DB_APP_PASSWORD=kept-app\n',
      );
      runSecretsGenerator(earlier);
      const files = readSecretFiles(join(earlier, 'secrets'));
      expect(files['encryption_keys']?.value).toBe('v1:kept');
      expect(files['postgres_password']?.value).toBe('kept-superuser');
      expect(new URL(must(files['instance_b_database_url'], 'a database URL').value).password).toBe('kept-app');
    } finally {
      rmSync(earlier, { recursive: true, force: true });
    }
  });

  it('runs Postgres with its superuser password from its file, the one the migration steps use', () => {
    const postgres = composeService('postgres', raw);
    expect(postgres.environment).toEqual({ POSTGRES_PASSWORD_FILE: '/run/secrets/postgres_password' });
    expect(postgres.secrets).toEqual(['postgres_password']);
  });

  it('runs NATS with the shipped authorization, each app as its own NATS user, the passwords from the files', () => {
    const nats = composeService('nats');
    expect((nats as { volumes?: string[] }).volumes).toContain(
      './deploy/nats/nats-server.conf:/etc/nats/switchboard.conf:ro',
    );
    expect(nats.environment).toBeUndefined();
    const [shell, flag, script] = nats.command ?? [];
    expect([shell, flag]).toEqual(['sh', '-c']);
    // The script as the container's shell runs it, with the generated files mounted and `env` for nats-server.
    const run = (directory: string) =>
      spawnSync(
        'sh',
        [
          '-c',
          must(script, 'the nats script')
            .replaceAll(SECRETS_MOUNT, `${directory}/`)
            .replace(/exec nats-server .*/, 'exec env'),
        ],
        { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } },
      );
    const result = run(secretsDirectory);
    expect(result.status).toBe(0);
    const natsEnv = Object.fromEntries(result.stdout.split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2)));
    for (const app of [...APPS.map(([name]) => name), 'gateway']) {
      const env = composeService(app, raw).environment;
      expect(env?.['NATS_USER']).toBe(app);
      const secret = `nats_${app.replaceAll('-', '_')}_password`;
      expect(env?.['NATS_PASSWORD_FILE']).toBe(`${SECRETS_MOUNT}${secret}`);
      expect(nats.secrets).toContain(secret);
      const variable = `NATS_${app.toUpperCase().replaceAll('-', '_')}_PASSWORD`;
      expect({ variable, value: natsEnv[variable] }).toEqual({ variable, value: secretFiles[secret]?.value });
    }
    // A missing file stops nats-server rather than starting it with an empty password.
    const missing = mkdtempSync(join(tmpdir(), 'sb-secrets-'));
    try {
      expect(run(missing).status).not.toBe(0);
    } finally {
      rmSync(missing, { recursive: true, force: true });
    }
  });

  it('gives the Hub alone its snapshot signing key, and the instances its public key, which matches it', () => {
    for (const { name, app, script } of switchboard) {
      const env = composeService(name, raw).environment ?? {};
      const signs = app === 'hub' && script === 'main';
      expect({ name, signingKey: env['HUB_SIGNING_KEY_FILE'] }).toEqual({
        name,
        signingKey: signs ? '/run/secrets/hub_signing_key' : undefined,
      });
      const verifies = app === 'instance' && script === 'main';
      expect({ name, publicKey: env['HUB_PUBLIC_KEY'] }).toEqual({
        name,
        publicKey: verifies ? expect.stringMatching(/^\$\{HUB_PUBLIC_KEY:\?/) : undefined,
      });
    }
    // What the Hub signs with its seed, the instances verify with the public key (Ed25519, RFC 8410 key encodings).
    const seed = Buffer.from(must(secretFiles['hub_signing_key'], 'hub_signing_key').value, 'base64');
    const privateKey = createPrivateKey({
      key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
      format: 'der',
      type: 'pkcs8',
    });
    const publicKey = createPublicKey({
      key: Buffer.concat([
        Buffer.from('302a300506032b6570032100', 'hex'),
        Buffer.from(envValue(dotEnv, 'HUB_PUBLIC_KEY'), 'base64'),
      ]),
      format: 'der',
      type: 'spki',
    });
    const message = Buffer.from('snapshot');
    expect(verify(null, message, publicKey, sign(null, message, privateKey))).toBe(true);
  });

  it('bootstraps the first platform admin of the Hub', () => {
    const env = resolved(composeService('hub').environment ?? {});
    expect(env['HUB_BOOTSTRAP_ADMIN_EMAIL']).toContain('@');
    expect(envValue(env, 'HUB_BOOTSTRAP_ADMIN_TOKEN').length).toBeGreaterThanOrEqual(32);
  });

  it('sets only variables the config schemas know, every required one, and values the services accept', () => {
    expect(switchboard).toHaveLength(7);
    for (const { name, env, app, script } of switchboard) {
      const variables = Object.keys(resolved(env));
      expect({ name, unknown: unknownVariables(app, variables) }).toEqual({ name, unknown: [] });
      expect({ name, missing: missingVariables(app, script, variables) }).toEqual({ name, missing: [] });
      // The service's own validation, reading the generated files through its <NAME>_FILE variables.
      expect({ name, problems: configProblems(app, onHost(env)) }).toEqual({ name, problems: undefined });
    }
  });

  it('stops a service whose secret file holds a value the repository publishes', () => {
    const hub = composeService('hub').environment ?? {};
    const copy = mkdtempSync(join(tmpdir(), 'sb-secrets-'));
    try {
      cpSync(secretsDirectory, copy, { recursive: true });
      // The keyring docker-compose.yml once held in clear.
      const published = must(
        PUBLISHED_SECRETS.find((value) => value.startsWith('c3dpdGNoYm9hcmQtY29tcG9zZS')),
        'it',
      );
      writeFileSync(join(copy, 'encryption_keys'), `v1:${published}\n`);
      expect(configProblems('hub', onHost(hub, copy))).toMatch(/ENCRYPTION_KEYS holds a value published/);
      writeFileSync(join(copy, 'encryption_keys'), must(secretFiles['encryption_keys'], 'it').value);
      rmSync(join(copy, 'hub_signing_key'));
      expect(configProblems('hub', onHost(hub, copy))).toMatch(/HUB_SIGNING_KEY_FILE names .* cannot be read/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('k8s/base', () => {
  const exampleSecret = readYaml(join(ROOT, 'k8s/base/secrets.example.yaml'))[0] as KubernetesObject & {
    stringData: Record<string, string>;
  };

  it('does not deploy the example Secret, which is valid and only an example', () => {
    const base = readYaml(join(ROOT, 'k8s/base/kustomization.yaml'))[0] as { resources: string[] };
    expect(base.resources).not.toContain('secrets.example.yaml');
    expect(() => validate(exampleSecret)).not.toThrow();
    expect(exampleSecret.metadata.name).toBe('switchboard-secrets');
  });

  it('holds the workloads scripts/k8s-workloads.mjs generates from k8s/instances.yaml, as checked in', async () => {
    const { render } = (await import(join(ROOT, 'scripts/k8s-workloads.mjs'))) as {
      render: (source: unknown) => Promise<string>;
    };
    const source = parse(read('k8s/instances.yaml'));
    expect(await render(source)).toBe(read('k8s/base/workloads.generated.yaml'));
    const check = spawnSync(process.execPath, [join(ROOT, 'scripts/k8s-workloads.mjs'), '--check'], {
      encoding: 'utf8',
    });
    expect(check.status).toBe(0);
  });

  it('adds an instance, with everything it needs, from one entry', async () => {
    const { render } = (await import(join(ROOT, 'scripts/k8s-workloads.mjs'))) as {
      render: (source: unknown) => Promise<string>;
    };
    const source = parse(read('k8s/instances.yaml'));
    const before = parseAllYaml(await render(source));
    const after = parseAllYaml(
      await render({ ...source, instances: [...source.instances, { id: 'instance-c', host: 'c.example.com' }] }),
    );
    const added = after.filter(
      (object) => !before.some((old) => old.kind === object.kind && old.metadata.name === object.metadata.name),
    );
    expect(added.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual([
      'Deployment/instance-c',
      'HorizontalPodAutoscaler/instance-c',
      'Ingress/instance-c',
      'PodDisruptionBudget/instance-c',
      'Service/instance-c',
    ]);
    await expect(
      render({ ...source, instances: [...source.instances, { id: 'hub', host: 'x.example.com' }] }),
    ).rejects.toThrow(/instance id/);
    await expect(render({ ...source, instances: [...source.instances, source.instances[0]] })).rejects.toThrow(/twice/);
  });
});

function parseAllYaml(text: string): KubernetesObject[] {
  const directory = mkdtempSync(join(tmpdir(), 'sb-yaml-'));
  try {
    writeFileSync(join(directory, 'all.yaml'), text);
    return readYaml(join(directory, 'all.yaml')) as KubernetesObject[];
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

describe('deploy/nats/nats-server.conf', () => {
  const conf = read('deploy/nats/nats-server.conf');
  const blocks = conf.split(/\n    \{\n/).slice(1);
  const users = new Map(
    blocks.map((block) => [
      must(/user: "([^"]+)"/.exec(block)?.[1], 'a `user:` in each NATS authorization block'),
      block,
    ]),
  );
  const instanceIds = (parse(read('k8s/instances.yaml')) as { instances: { id: string }[] }).instances.map(
    (instance) => instance.id,
  );

  it('has a user for the Hub, for every instance the manifests deploy and for the gateway, each password from the environment', () => {
    expect([...users.keys()].sort()).toEqual(['hub', 'gateway', ...instanceIds].sort());
    for (const [user, block] of users) {
      const variable = `NATS_${user.toUpperCase().replaceAll('-', '_')}_PASSWORD`;
      expect({ user, password: /password: (\S+)/.exec(block)![1] }).toEqual({ user, password: `$${variable}` });
    }
    expect(conf).not.toMatch(/no_auth_user/);
  });

  it('lets an instance publish only under its own id, and subscribe only to its own subjects and inboxes', () => {
    for (const id of instanceIds) {
      const block = users.get(id)!;
      const subjects = [...block.matchAll(/"([^"]+)"/g)]
        .map((match) => must(match[1], 'a quoted subject'))
        .filter((subject) => subject !== id);
      for (const subject of subjects)
        expect({ id, subject, own: subject.includes(`.${id}.`) }).toMatchObject({ own: true });
      expect(block).toMatch(/allow_responses: true/);
    }
    expect(users.get('hub')).toContain(
      'publish: { allow: ["switchboard.v1.instance.*.>", "switchboard.v1.gateway.>"] }',
    );
  });

  it('lets the gateway ask the Hub for placements and hear them, and nothing else', () => {
    const block = must(users.get('gateway'), 'the gateway user');
    expect(block).toContain('publish: { allow: ["switchboard.v1.hub.placements.list"] }');
    expect(block).toContain('subscribe: { allow: ["switchboard.v1.gateway.placements.>", "_INBOX.gateway.>"] }');
    expect(block).not.toMatch(/allow_responses/);
    // Nobody else may hear placements or ask for them: only the Hub publishes under switchboard.v1.gateway.
    for (const [user, other] of users) {
      if (user === 'gateway') continue;
      expect({ user, hears: /"switchboard\.v1\.gateway/.test(other.split('subscribe')[1] ?? '') }).toEqual({
        user,
        hears: false,
      });
    }
  });
});

describe.each([
  ['dev', { minReplicas: 1 }],
  ['production', { minReplicas: 2 }],
])('k8s overlay %s', (overlay, expected) => {
  const objects = renderKustomization(join(ROOT, 'k8s/overlays', overlay));
  const ofKind = (kind: string) => objects.filter((object) => object.kind === kind);
  const configMaps = new Map(
    ofKind('ConfigMap').map((object) => [object.metadata.name, object['data'] as Record<string, string>]),
  );
  const exampleSecret = (
    readYaml(join(ROOT, 'k8s/base/secrets.example.yaml'))[0] as { stringData: Record<string, string> }
  ).stringData;
  const workloads = [...ofKind('Deployment'), ...ofKind('Job')].flatMap((object) =>
    containersOf(object).map((container) => ({
      where: `${object.kind}/${object.metadata.name}`,
      object,
      container,
      ...switchboardCommand(container.command)!,
    })),
  );

  // The example Secret with each placeholder replaced, as an operator would: its own values.
  const ownSecret = Object.fromEntries(
    Object.entries(exampleSecret).map(([key, value]) => [key, value.replace(/REPLACE\w*/g, replacement)]),
  );

  /** The environment a container gets, with secrets taken from the example Secret (or another). */
  function environmentOf(
    container: Container,
    secrets: Record<string, string> = exampleSecret,
  ): Record<string, string | undefined> {
    const env: Record<string, string | undefined> = {};
    for (const source of container.envFrom ?? []) Object.assign(env, configMaps.get(source.configMapRef?.name ?? ''));
    for (const entry of container.env ?? []) {
      const secret = entry.valueFrom?.secretKeyRef;
      env[entry.name] = secret ? secrets[secret.key] : entry.value!;
    }
    return env;
  }

  it('holds the Hub, both instances and the gateway with what each needs to run and be reached, and no Secret nor Job', () => {
    const names = objects.map((object) => `${object.kind}/${object.metadata.name}`).sort();
    const perService = ['Deployment', 'HorizontalPodAutoscaler', 'Ingress', 'PodDisruptionBudget', 'Service'];
    expect(names).toEqual(
      [
        'ConfigMap/switchboard-config',
        'ConfigMap/switchboard-nats-auth',
        'NetworkPolicy/nats-from-switchboard',
        'NetworkPolicy/postgres-from-switchboard',
        'NetworkPolicy/switchboard-ingress',
        'ServiceAccount/switchboard',
        'ServiceMonitor/switchboard',
        ...['hub', 'instance-a', 'instance-b', 'gateway'].flatMap((name) =>
          perService.map((kind) => `${kind}/${name}`),
        ),
      ].sort(),
    );
  });

  it('validates every object against the Kubernetes schema', () => {
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) expect(() => validate(object)).not.toThrow();
  });

  it('places everything in the overlay namespace, on one tagged image', () => {
    const namespaces = new Set(objects.map((object) => object.metadata.namespace));
    expect(namespaces.size).toBe(1);
    expect([...namespaces][0]).toMatch(/^switchboard/);
    const images = new Set(workloads.map(({ container }) => container.image));
    expect(images.size).toBe(1);
    const [image] = images;
    expect(image).not.toBe(imageName(image!));
    expect(image).not.toMatch(/:latest$/);
  });

  it('runs every container as a Switchboard command, with only known variables and every required one', () => {
    expect(workloads).toHaveLength(7);
    for (const { where, container, app, script } of workloads) {
      expect({ where, app }).toEqual({ where, app: expect.stringMatching(/^(hub|instance|gateway)$/) });
      const fromConfigMaps = (container.envFrom ?? []).flatMap((source) =>
        Object.keys(configMaps.get(source.configMapRef?.name ?? '') ?? {}),
      );
      const variables = [...(container.env ?? []).map((entry) => entry.name), ...fromConfigMaps];
      expect({ where, unknown: unknownVariables(app, variables) }).toEqual({ where, unknown: [] });
      expect({ where, missing: missingVariables(app, script, variables) }).toEqual({ where, missing: [] });
    }
  });

  it('refers only to the ConfigMaps it renders and to keys the example Secret documents', () => {
    for (const { where, container } of workloads) {
      for (const source of container.envFrom ?? []) {
        expect({ where, configMap: configMaps.has(source.configMapRef?.name ?? '') }).toEqual({
          where,
          configMap: true,
        });
        expect(source.secretRef).toBeUndefined();
      }
      for (const entry of container.env ?? []) {
        const secret = entry.valueFrom?.secretKeyRef;
        if (!secret) continue;
        expect(secret.name).toBe('switchboard-secrets');
        expect({ where, key: secret.key, documented: secret.key in exampleSecret }).toEqual({
          where,
          key: secret.key,
          documented: true,
        });
      }
    }
  });

  it('hands every service an environment its config validation accepts, once the placeholders are replaced', () => {
    for (const { where, container, app } of workloads) {
      expect({ where, problems: configProblems(app, environmentOf(container, ownSecret)) }).toEqual({
        where,
        problems: undefined,
      });
    }
  });

  it("stops every service that gets the example Secret's values as written: they are published (or not even keys)", () => {
    for (const { where, container, app } of workloads) {
      expect({ where, problems: configProblems(app, environmentOf(container)) }).toEqual({
        where,
        problems: expect.stringMatching(
          /holds a value published in the Switchboard repository|HUB_(SIGNING|PUBLIC)_KEY is required or malformed/,
        ),
      });
    }
  });

  it('gives every service its own NATS user, the password from its own key, and ships the NATS authorization', () => {
    const keys = ofKind('Deployment').map((deployment) => {
      const env = mainContainerOf(deployment).env!;
      expect(env.find((entry) => entry.name === 'NATS_USER')?.value).toBe(deployment.metadata.name);
      return env.find((entry) => entry.name === 'NATS_PASSWORD')!.valueFrom!.secretKeyRef!.key;
    });
    expect(new Set(keys).size).toBe(keys.length);
    expect(configMaps.get('switchboard-nats-auth')?.['switchboard-auth.conf']).toBe(
      read('deploy/nats/nats-server.conf'),
    );
  });

  it('gives the Hub alone the snapshot signing key, and every instance the public key', () => {
    for (const { where, container, app, script } of workloads) {
      const names = (container.env ?? []).map((entry) => entry.name);
      expect({ where, signingKey: names.includes('HUB_SIGNING_KEY') }).toEqual({
        where,
        signingKey: app === 'hub' && script === 'main',
      });
      expect({ where, publicKey: names.includes('HUB_PUBLIC_KEY') }).toEqual({
        where,
        publicKey: app === 'instance' && script === 'main',
      });
    }
  });

  it('gives each instance its own id and database, and shares one keyring with the Hub', () => {
    const deployments = ofKind('Deployment').filter((deployment) => deployment.metadata.name !== 'gateway');
    const secretKeyOf = (deployment: KubernetesObject, variable: string) =>
      mainContainerOf(deployment).env!.find((entry) => entry.name === variable)!.valueFrom!.secretKeyRef!.key;
    expect(new Set(deployments.map((deployment) => secretKeyOf(deployment, 'DATABASE_URL'))).size).toBe(3);
    expect(new Set(deployments.map((deployment) => secretKeyOf(deployment, 'ENCRYPTION_KEYS'))).size).toBe(1);
    for (const deployment of deployments.filter((candidate) => candidate.metadata.name !== 'hub')) {
      const env = environmentOf(mainContainerOf(deployment));
      expect(env.INSTANCE_ID).toBe(deployment.metadata.name);
      expect(new URL(must(env.DATABASE_URL, 'DATABASE_URL')).pathname).toBe(
        `/switchboard_${env.INSTANCE_ID!.replaceAll('-', '_')}`,
      );
    }
  });

  it('migrates each database in every new pod before the service starts, the same database it then uses', () => {
    const gateway = must(
      ofKind('Deployment').find((deployment) => deployment.metadata.name === 'gateway'),
      'the gateway Deployment',
    );
    // The gateway has no database: nothing to migrate, and no database URL or keyring to hold.
    expect(podSpecOf(gateway)?.['initContainers']).toBeUndefined();
    expect(
      Object.keys(environmentOf(mainContainerOf(gateway))).filter((name) => /DATABASE|ENCRYPTION/.test(name)),
    ).toEqual([]);
    for (const deployment of ofKind('Deployment').filter((candidate) => candidate !== gateway)) {
      const init = (podSpecOf(deployment)?.['initContainers'] ?? []) as Container[];
      expect(init.map((container) => container.name)).toEqual(['migrate']);
      const [migrate] = init as [Container];
      const main = mainContainerOf(deployment);
      expect(switchboardCommand(migrate.command)).toEqual({ ...switchboardCommand(main.command), script: 'db-setup' });
      expect(migrate.image).toBe(main.image);
      expect(environmentOf(migrate).DATABASE_URL).toBe(environmentOf(main).DATABASE_URL);
    }
  });

  it(`scales every service with a HorizontalPodAutoscaler from ${expected.minReplicas}, and keeps one pod through disruptions`, () => {
    const deployments = ofKind('Deployment')
      .map((deployment) => deployment.metadata.name)
      .sort();
    for (const deployment of ofKind('Deployment')) expect((deployment['spec'] as any).replicas).toBeUndefined();
    const autoscalers = ofKind('HorizontalPodAutoscaler').map((object) => object['spec'] as any);
    expect(autoscalers.map((spec) => spec.scaleTargetRef.name).sort()).toEqual(deployments);
    for (const spec of autoscalers) {
      expect(spec.scaleTargetRef.kind).toBe('Deployment');
      expect(spec.minReplicas).toBe(expected.minReplicas);
      expect(spec.maxReplicas).toBeGreaterThanOrEqual(spec.minReplicas);
    }
    const budgets = ofKind('PodDisruptionBudget').map((object) => object['spec'] as any);
    expect(budgets.map((spec) => spec.selector.matchLabels['app.kubernetes.io/name']).sort()).toEqual(deployments);
    for (const spec of budgets) expect(spec.maxUnavailable).toBe(1);
  });

  it('probes startup and liveness on /healthz, readiness on /readyz, and waits before stopping', () => {
    for (const deployment of ofKind('Deployment')) {
      const container = mainContainerOf(deployment) as any;
      expect(container.startupProbe.httpGet.path).toBe('/healthz');
      expect(container.readinessProbe.httpGet.path).toBe('/readyz');
      expect(container.livenessProbe.httpGet.path).toBe('/healthz');
      expect(container.lifecycle.preStop.exec.command).toEqual(['sleep', '5']);
      expect(podSpecOf(deployment)?.['terminationGracePeriodSeconds']).toBeGreaterThan(5);
    }
  });

  it('meets Pod Security "restricted" in every pod, with a service account that mounts no token', () => {
    for (const deployment of ofKind('Deployment')) {
      const pod = podSpecOf(deployment)!;
      const where = deployment.metadata.name;
      expect({ where, account: pod['serviceAccountName'], automount: pod['automountServiceAccountToken'] }).toEqual({
        where,
        account: 'switchboard',
        automount: false,
      });
      expect(pod['securityContext']).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod['hostNetwork'] ?? false).toBe(false);
      for (const container of containersOf(deployment) as any[]) {
        expect({ where, name: container.name, security: container.securityContext }).toEqual({
          where,
          name: container.name,
          security: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
          },
        });
      }
    }
    const [account] = ofKind('ServiceAccount');
    expect(account?.['automountServiceAccountToken']).toBe(false);
  });

  it('lets only Switchboard pods reach NATS, and only the Hub and instances reach Postgres (not the gateway)', () => {
    const podLabels = new Map(
      ofKind('Deployment').map((deployment) => [
        deployment.metadata.name,
        (deployment['spec'] as any).template.metadata.labels as Record<string, string>,
      ]),
    );
    const policies = new Map(ofKind('NetworkPolicy').map((object) => [object.metadata.name, object['spec'] as any]));
    /** Whether a pod with these labels matches a NetworkPolicy podSelector (matchLabels and `In` expressions). */
    const selects = (selector: any, labels: Record<string, string>) =>
      Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value) &&
      (selector.matchExpressions ?? []).every(
        (expression: any) => expression.operator === 'In' && expression.values.includes(labels[expression.key]),
      );
    for (const [name, port, admitted] of [
      ['nats-from-switchboard', 4222, ['hub', 'instance-a', 'instance-b', 'gateway']],
      ['postgres-from-switchboard', 5432, ['hub', 'instance-a', 'instance-b']],
    ] as const) {
      const policy = policies.get(name);
      expect(policy.policyTypes).toEqual(['Ingress']);
      const clientRule = policy.ingress.find((rule: any) => rule.ports?.some((entry: any) => entry.port === port));
      const [from] = clientRule.from;
      expect(from.namespaceSelector).toBeUndefined();
      for (const [deployment, labels] of podLabels) {
        expect({ name, deployment, admitted: selects(from.podSelector, labels) }).toEqual({
          name,
          deployment,
          admitted: (admitted as readonly string[]).includes(deployment),
        });
      }
    }
  });

  it('routes each Ingress host to its own Service over TLS, and the instance hands out that URL', () => {
    const services = new Set(ofKind('Service').map((object) => object.metadata.name));
    for (const ingress of ofKind('Ingress')) {
      const spec = ingress['spec'] as any;
      const [rule] = spec.rules;
      expect(rule.http.paths.map((path: any) => path.backend.service.name)).toEqual([ingress.metadata.name]);
      expect(services.has(ingress.metadata.name)).toBe(true);
      expect(spec.tls[0].hosts).toEqual([rule.host]);
      const deployment = ofKind('Deployment').find((candidate) => candidate.metadata.name === ingress.metadata.name)!;
      const env = environmentOf(mainContainerOf(deployment));
      const publicUrl = { hub: 'HUB_PUBLIC_URL', gateway: 'GATEWAY_PUBLIC_URL' }[deployment.metadata.name];
      expect(env[publicUrl ?? 'INSTANCE_API_URL']).toBe(`https://${rule.host}`);
    }
    // The Hub hands out the gateway's URL as every workspace's apiUrl.
    const gatewayHost = (ofKind('Ingress').find((ingress) => ingress.metadata.name === 'gateway')!['spec'] as any)
      .rules[0].host;
    const hub = ofKind('Deployment').find((deployment) => deployment.metadata.name === 'hub')!;
    expect(environmentOf(mainContainerOf(hub))['HUB_GATEWAY_URL']).toBe(`https://${gatewayHost}`);
  });

  it('has Prometheus scrape /metrics of every Service on its ops port, which each service opens and no Ingress routes to', () => {
    const monitor = ofKind('ServiceMonitor').at(0);
    expect(monitor).toBeDefined();
    const spec = monitor?.['spec'] as any;
    expect(spec.endpoints).toEqual([expect.objectContaining({ port: 'ops', path: '/metrics', honorLabels: true })]);
    for (const service of ofKind('Service')) {
      expect(service.metadata.labels).toMatchObject(spec.selector.matchLabels);
      const ports = (service['spec'] as any).ports;
      expect(ports.map((entry: any) => entry.name).sort()).toEqual(['http', 'ops']);
      expect(ports.find((entry: any) => entry.name === 'ops').targetPort).toBe('ops');
    }
    for (const deployment of ofKind('Deployment')) {
      const container = mainContainerOf(deployment);
      const opsPort = (container.ports as any[] | undefined)?.find((entry) => entry.name === 'ops')?.containerPort;
      expect({ deployment: deployment.metadata.name, opsPort, OPS_PORT: environmentOf(container)['OPS_PORT'] }).toEqual(
        {
          deployment: deployment.metadata.name,
          opsPort: 9464,
          OPS_PORT: '9464',
        },
      );
    }
    for (const ingress of ofKind('Ingress')) {
      const backends = (ingress['spec'] as any).rules.flatMap((rule: any) => rule.http.paths);
      expect(backends.map((path: any) => path.backend.service.port)).toEqual([{ name: 'http' }]);
    }
  });

  it('opens the API port of Switchboard pods to anyone, and the ops port to the monitoring namespace only', () => {
    const policy = ofKind('NetworkPolicy').find((object) => object.metadata.name === 'switchboard-ingress');
    const spec = policy?.['spec'] as any;
    for (const deployment of ofKind('Deployment')) {
      expect((deployment['spec'] as any).template.metadata.labels).toMatchObject(spec.podSelector.matchLabels);
    }
    expect(spec.policyTypes).toEqual(['Ingress']);
    const rulesFor = (port: string) => spec.ingress.filter((rule: any) => rule.ports.some((p: any) => p.port === port));
    expect(rulesFor('http')).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }] }]);
    const [ops, ...more] = rulesFor('ops');
    expect(more).toEqual([]);
    expect(ops.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
  });

  it('runs every container as non-root with resource requests and limits', () => {
    for (const { where, container } of workloads as { where: string; container: any }[]) {
      expect({ where, runAsNonRoot: container.securityContext?.runAsNonRoot }).toEqual({ where, runAsNonRoot: true });
      expect({ where, requests: Boolean(container.resources?.requests) }).toEqual({ where, requests: true });
      expect({ where, limits: Boolean(container.resources?.limits) }).toEqual({ where, limits: true });
    }
  });

  it('selects pods by labels their Deployment gives them', () => {
    const podLabels = ofKind('Deployment').map((deployment) => {
      const spec = deployment['spec'] as any;
      expect(spec.template.metadata.labels).toMatchObject(spec.selector.matchLabels);
      return spec.template.metadata.labels as Record<string, string>;
    });
    for (const service of ofKind('Service')) {
      const selector = (service['spec'] as { selector: Record<string, string> }).selector;
      const matches = podLabels.filter((labels) =>
        Object.entries(selector).every(([key, value]) => labels[key] === value),
      );
      expect({ service: service.metadata.name, matches: matches.length }).toEqual({
        service: service.metadata.name,
        matches: 1,
      });
    }
  });
});

describe('the checks themselves', () => {
  const hub = must(
    renderKustomization(join(ROOT, 'k8s/overlays/dev')).find((object) => object.kind === 'Deployment'),
    'a Deployment in the dev overlay',
  );

  it('catch an object that breaks the Kubernetes schema', () => {
    const broken = { ...hub, spec: { ...(hub['spec'] as object), replicas: 'two' } };
    expect(() => validate(broken)).toThrow(/replicas/);
  });

  it('refuse a kind they have no schema for', () => {
    expect(() => validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toThrow(
      /no schema/,
    );
  });

  it('catch a variable no schema knows, and a required one missing', () => {
    expect(unknownVariables('hub', ['HUB_PORT', 'HUB_PROT', 'INSTANCE_ID'])).toEqual(['HUB_PROT', 'INSTANCE_ID']);
    expect(missingVariables('instance', 'main', ['DATABASE_URL', 'ENCRYPTION_KEYS', 'INSTANCE_ID'])).toEqual([
      'INSTANCE_API_URL',
    ]);
    expect(configProblems('hub', { DATABASE_URL: 'postgres://x/y', ENCRYPTION_KEYS: 'short' })).toMatch(
      /ENCRYPTION_KEYS/,
    );
  });

  it('catch a ServiceMonitor field that is not what the Prometheus Operator takes', () => {
    const monitor = renderKustomization(join(ROOT, 'k8s/overlays/dev')).find(
      (object) => object.kind === 'ServiceMonitor',
    )!;
    expect(() => validate(monitor)).not.toThrow();
    const spec = monitor['spec'] as any;
    expect(() => validate({ ...monitor, spec: { ...spec, endpoint: spec.endpoints } } as any)).toThrow(
      /spec.endpoint is unknown/,
    );
    expect(() => validate({ ...monitor, spec: { ...spec, endpoints: [{ port: 8080 }] } } as any)).toThrow(/port name/);
  });

  it('fail when kubectl kustomize cannot render', () => {
    const directory = mkdtempSync(join(tmpdir(), 'sb-kustomize-'));
    try {
      writeFileSync(join(directory, 'kustomization.yaml'), 'resources:\n  - missing.yaml\n');
      expect(() => renderKustomization(directory)).toThrow(/kubectl kustomize .* failed/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('.env.example', () => {
  const lines = read('.env.example').split('\n');
  const entries = lines.flatMap((line, index) => {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    return match
      ? [{ name: must(match[1], 'a name'), value: must(match[2], 'a value'), comment: lines[index - 1] ?? '' }]
      : [];
  });
  const env = Object.fromEntries(entries.map(({ name, value }) => [name, value]));

  it('documents every variable of the three schemas, each with its own comment, and nothing else', () => {
    const all = new Set([...VARIABLES.hub, ...VARIABLES.instance, ...VARIABLES.gateway]);
    const documented = entries.map(({ name }) => name);
    expect([...all].filter((name) => !documented.includes(name))).toEqual([]);
    expect(documented.filter((name) => !all.has(name))).toEqual([]);
    expect(new Set(documented).size).toBe(documented.length);
    expect(entries.filter(({ comment }) => !comment.startsWith('# ')).map(({ name }) => name)).toEqual([]);
  });

  it('holds local development defaults both services accept under npm start, and refuse elsewhere', () => {
    expect(env.DATABASE_URL).toBe('postgres://switchboard_app:switchboard@127.0.0.1:5432/switchboard_hub');
    const development = { ...env, SWITCHBOARD_DEV_DEFAULTS: 'true' };
    expect(configProblems('hub', development)).toBeUndefined();
    expect(configProblems('instance', development)).toBeUndefined();
    expect(configProblems('gateway', development)).toBeUndefined();
    expect(env.SWITCHBOARD_DEV_DEFAULTS).toBe('false');
    expect(configProblems('hub', env)).toMatch(/DATABASE_URL holds a value published/);
  });
});
