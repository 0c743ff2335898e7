// No Docker engine or kustomize binary runs where the tests do, so these tests read the deployment files
// instead: they parse them, render the k8s overlays, validate every object against the Kubernetes schema and
// check every variable against the services' own config schemas.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { configVariableNames, loadConfig } from '@switchboard/config';
import { generateSigningKeyPair, Keyring } from '@switchboard/crypto';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { parse } from 'yaml';

import { HubConfig } from '../../apps/hub/src/config.js';
import { InstanceConfig } from '../../apps/instance/src/config.js';
import {
  type Container,
  containersOf,
  imageName,
  type KubernetesObject,
  readYaml,
  renderKustomization,
} from './kustomize-lite.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type App = 'hub' | 'instance';
type Script = 'main' | 'db-setup';

const SCHEMAS = { hub: HubConfig, instance: InstanceConfig } as const;
const VARIABLES: Record<App, Set<string>> = {
  hub: new Set(configVariableNames(HubConfig)),
  instance: new Set(configVariableNames(InstanceConfig)),
};
const REQUIRED: Record<App, string[]> = {
  hub: ['DATABASE_URL', 'ENCRYPTION_KEYS'],
  instance: ['DATABASE_URL', 'ENCRYPTION_KEYS', 'INSTANCE_ID', 'INSTANCE_API_URL'],
};
// The migration step creates roles and the database, so it needs the two connections the services never get.
const REQUIRED_BY_SETUP = ['DATABASE_MIGRATION_URL', 'DATABASE_ADMIN_URL'];
// The running services sign and verify snapshots; the migration step does neither.
const REQUIRED_BY_MAIN: Record<App, string[]> = { hub: ['HUB_SIGNING_KEY'], instance: ['HUB_PUBLIC_KEY'] };

/** Which app and script a command runs: `node apps/<hub|instance>/dist/<main|db-setup>.js`; undefined for others. */
function switchboardCommand(command: unknown): { app: App; script: Script } | undefined {
  const match = /apps\/(hub|instance)\/dist\/(main|db-setup)\.js/.exec(JSON.stringify(command ?? ''));
  return match ? { app: match[1] as App, script: match[2] as Script } : undefined;
}

function unknownVariables(app: App, names: string[]): string[] {
  return names.filter((name) => !VARIABLES[app].has(name));
}

function missingVariables(app: App, script: Script, names: string[]): string[] {
  const required = [...REQUIRED[app], ...(script === 'db-setup' ? REQUIRED_BY_SETUP : REQUIRED_BY_MAIN[app])];
  return required.filter((name) => !names.includes(name));
}

/** The service's own boot-time validation, as it would run on this environment. */
function configProblems(app: App, env: Record<string, string>): string | undefined {
  try {
    loadConfig<object>(SCHEMAS[app], env);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
};

/** Validates an object against the Kubernetes schema of its apiVersion and kind; an unknown kind fails. */
function validate(object: KubernetesObject): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`no schema known for ${object.apiVersion} ${object.kind}`);
  new Model(object).validate();
}

describe('Dockerfile', () => {
  // Instructions per stage, with continuation lines joined and comments dropped.
  const stages: { name: string; from: string; instructions: string[] }[] = [];
  for (const line of read('Dockerfile').replace(/\\\n/g, ' ').split('\n')) {
    const instruction = line.trim();
    if (instruction === '' || instruction.startsWith('#')) continue;
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(instruction);
    if (from) stages.push({ from: from[1], name: from[2] ?? '', instructions: [] });
    else stages.at(-1)!.instructions.push(instruction);
  }
  const stage = (name: string) => stages.find((candidate) => candidate.name === name)!;
  const runtime = stages.at(-1)!;

  it('builds every stage on node:20-bookworm-slim', () => {
    for (const [index, { from }] of stages.entries()) {
      const earlier = stages.slice(0, index).map((candidate) => candidate.name);
      expect(from === 'node:20-bookworm-slim' || earlier.includes(from)).toBe(true);
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
    ports?: string[];
    depends_on?: Record<string, { condition: string }>;
    healthcheck?: { test: string[] };
  }
  const { services } = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  // What `docker compose` substitutes for `${NAME}`, `${NAME:?message}` and `${NAME:-default}`: the operator's
  // environment, here a generated example.
  const signingPair = generateSigningKeyPair();
  const operatorEnv: Record<string, string> = {
    HUB_SIGNING_KEY: signingPair.signingKey,
    HUB_PUBLIC_KEY: signingPair.publicKey,
  };
  const interpolate = (env: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(env).map(([name, value]) => [
        name,
        String(value).replace(
          /\$\{(\w+)(?::[?-]([^}]*))?\}/g,
          (_, variable: string, fallback?: string) => operatorEnv[variable] ?? fallback ?? '',
        ),
      ]),
    );
  const switchboard = Object.entries(services).flatMap(([name, service]) => {
    const command = switchboardCommand(service.command);
    return command ? [{ name, service, env: interpolate(service.environment ?? {}), ...command }] : [];
  });
  const APPS = [
    ['hub', 'migrate-hub', 8080],
    ['instance-a', 'migrate-instance-a', 8081],
    ['instance-b', 'migrate-instance-b', 8082],
  ] as const;

  it('runs Postgres, NATS, a migration step per database, the Hub and two instances', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
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
    expect(services['postgres'].image).toBe('postgres:15');
    expect(services['postgres'].healthcheck?.test.join(' ')).toContain('pg_isready');
    for (const [app, migration] of APPS) {
      expect(switchboardCommand(services[app].command)?.script).toBe('main');
      expect(switchboardCommand(services[migration].command)?.script).toBe('db-setup');
    }
  });

  it('runs NATS with JetStream and a healthcheck on its monitoring port', () => {
    const nats = services['nats'];
    // The default nats:2.10 image is FROM scratch: a healthcheck needs the alpine variant's wget.
    expect(nats.image).toBe('nats:2.10-alpine');
    expect(nats.command).toContain('-js');
    expect(nats.command?.join(' ')).toContain('-m 8222');
    expect(nats.healthcheck?.test.join(' ')).toContain(':8222/healthz');
  });

  it('publishes the Hub on 8080 and the instances on 8081 and 8082, each checked on /healthz', () => {
    for (const [app, , port] of APPS) {
      const service = services[app];
      expect(service.ports).toEqual([`${port}:${port}`]);
      // The healthcheck asks the port the service listens on, which it reads from this variable.
      const env = service.environment ?? {};
      expect(env[app === 'hub' ? 'HUB_PORT' : 'INSTANCE_PORT']).toBe(String(port));
      const healthcheck = service.healthcheck?.test.join(' ') ?? '';
      expect(healthcheck).toContain('/healthz');
      expect(healthcheck).toMatch(/^CMD node -e /);
    }
  });

  it('starts each migration after Postgres is healthy, and each app after its migration and NATS', () => {
    for (const [app, migration] of APPS) {
      expect(services[app].depends_on).toEqual({
        [migration]: { condition: 'service_completed_successfully' },
        nats: { condition: 'service_healthy' },
      });
      expect(services[migration].depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    }
  });

  it('gives each app its own database, used by the app role and migrated by the owner role', () => {
    const databases = APPS.map(([app, migration]) => {
      const appUrl = new URL(services[app].environment!.DATABASE_URL);
      const setup = services[migration].environment!;
      expect(setup.DATABASE_URL).toBe(services[app].environment!.DATABASE_URL);
      const ownerUrl = new URL(setup.DATABASE_MIGRATION_URL);
      expect([appUrl.username, ownerUrl.username]).toEqual(['switchboard_app', 'switchboard_owner']);
      expect(ownerUrl.pathname).toBe(appUrl.pathname);
      return appUrl.pathname;
    });
    expect(databases).toEqual(['/switchboard_hub', '/switchboard_instance_a', '/switchboard_instance_b']);
  });

  it('gives the Hub and every instance one valid keyring', () => {
    const keyrings = new Set(switchboard.map(({ env }) => env.ENCRYPTION_KEYS));
    expect(keyrings.size).toBe(1);
    const [keyring] = keyrings;
    expect(Keyring.parse(keyring).currentVersion).toBe('v1');
  });

  it('gives the Hub alone its snapshot signing key, and the instances its public key, from the environment', () => {
    for (const { name, service, app, script } of switchboard) {
      const raw = service.environment ?? {};
      const signs = app === 'hub' && script === 'main';
      expect({ name, signingKey: raw.HUB_SIGNING_KEY }).toEqual({
        name,
        signingKey: signs ? expect.stringMatching(/^\$\{HUB_SIGNING_KEY:\?/) : undefined,
      });
      const verifies = app === 'instance' && script === 'main';
      expect({ name, publicKey: raw.HUB_PUBLIC_KEY }).toEqual({
        name,
        publicKey: verifies ? expect.stringMatching(/^\$\{HUB_PUBLIC_KEY:\?/) : undefined,
      });
    }
  });

  it('bootstraps the first platform admin of the Hub', () => {
    const env = services['hub'].environment!;
    expect(env.HUB_BOOTSTRAP_ADMIN_EMAIL).toContain('@');
    expect(env.HUB_BOOTSTRAP_ADMIN_TOKEN.length).toBeGreaterThanOrEqual(32);
  });

  it('sets only variables the config schemas know, every required one, and values the services accept', () => {
    expect(switchboard).toHaveLength(6);
    for (const { name, env, app, script } of switchboard) {
      const variables = Object.keys(env);
      expect({ name, unknown: unknownVariables(app, variables) }).toEqual({ name, unknown: [] });
      expect({ name, missing: missingVariables(app, script, variables) }).toEqual({ name, missing: [] });
      expect({ name, problems: configProblems(app, env) }).toEqual({ name, problems: undefined });
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

  it('keeps the instances alike: their files differ only in the instance name', () => {
    const directory = join(ROOT, 'k8s/base/instances');
    const generic = readdirSync(directory).map((file) => {
      const name = file.replace(/\.yaml$/, '');
      return readFileSync(join(directory, file), 'utf8')
        .replaceAll(name, 'instance-x')
        .replaceAll(name.replaceAll('-', '_'), 'instance_x');
    });
    expect(generic.length).toBeGreaterThanOrEqual(2);
    for (const text of generic) expect(text).toBe(generic[0]);
  });
});

describe.each([
  ['dev', { hubReplicas: 1 }],
  ['production', { hubReplicas: 2 }],
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

  /** The environment a container gets, with secrets taken from the example Secret. */
  function environmentOf(container: Container): Record<string, string> {
    const env: Record<string, string> = {};
    for (const source of container.envFrom ?? []) Object.assign(env, configMaps.get(source.configMapRef?.name ?? ''));
    for (const entry of container.env ?? []) {
      const secret = entry.valueFrom?.secretKeyRef;
      env[entry.name] = secret ? exampleSecret[secret.key] : entry.value!;
    }
    return env;
  }

  it('holds the Hub, both instances, their Services and migration Jobs, and no Secret', () => {
    const names = objects.map((object) => `${object.kind}/${object.metadata.name}`).sort();
    expect(names).toEqual(
      [
        'ConfigMap/switchboard-config',
        'Deployment/hub',
        'Deployment/instance-a',
        'Deployment/instance-b',
        'Job/hub-migrate',
        'Job/instance-a-migrate',
        'Job/instance-b-migrate',
        'Service/hub',
        'Service/instance-a',
        'Service/instance-b',
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
    expect(image).not.toBe(imageName(image));
    expect(image).not.toMatch(/:latest$/);
  });

  it('runs every container as a Switchboard command, with only known variables and every required one', () => {
    expect(workloads).toHaveLength(6);
    for (const { where, container, app, script } of workloads) {
      expect({ where, app }).toEqual({ where, app: expect.stringMatching(/^(hub|instance)$/) });
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

  it('hands every service an environment its config validation accepts', () => {
    for (const { where, container, app } of workloads) {
      expect({ where, problems: configProblems(app, environmentOf(container)) }).toEqual({
        where,
        problems: undefined,
      });
    }
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
    const deployments = ofKind('Deployment');
    const secretKeyOf = (deployment: KubernetesObject, variable: string) =>
      containersOf(deployment)[0].env!.find((entry) => entry.name === variable)!.valueFrom!.secretKeyRef!.key;
    expect(new Set(deployments.map((deployment) => secretKeyOf(deployment, 'DATABASE_URL'))).size).toBe(3);
    expect(new Set(deployments.map((deployment) => secretKeyOf(deployment, 'ENCRYPTION_KEYS'))).size).toBe(1);
    for (const deployment of deployments.filter((candidate) => candidate.metadata.name !== 'hub')) {
      const env = environmentOf(containersOf(deployment)[0]);
      expect(env.INSTANCE_ID).toBe(deployment.metadata.name);
      expect(new URL(env.DATABASE_URL).pathname).toBe(`/switchboard_${env.INSTANCE_ID.replaceAll('-', '_')}`);
      // Its migration Job sets up the same database.
      const job = ofKind('Job').find((candidate) => candidate.metadata.name === `${deployment.metadata.name}-migrate`)!;
      expect(environmentOf(containersOf(job)[0]).DATABASE_URL).toBe(env.DATABASE_URL);
    }
  });

  it(`runs ${expected.hubReplicas} Hub replica(s)`, () => {
    const hub = ofKind('Deployment').find((deployment) => deployment.metadata.name === 'hub')!;
    expect((hub['spec'] as { replicas: number }).replicas).toBe(expected.hubReplicas);
  });

  it('probes readiness on /readyz and liveness on /healthz', () => {
    for (const deployment of ofKind('Deployment')) {
      const [container] = containersOf(deployment) as any[];
      expect(container.readinessProbe.httpGet.path).toBe('/readyz');
      expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    }
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
  const [hub] = renderKustomization(join(ROOT, 'k8s/overlays/dev')).filter((object) => object.kind === 'Deployment');

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
      'HUB_PUBLIC_KEY',
    ]);
    expect(missingVariables('hub', 'db-setup', ['DATABASE_URL', 'ENCRYPTION_KEYS', ...REQUIRED_BY_SETUP])).toEqual([]);
    expect(configProblems('hub', { DATABASE_URL: 'postgres://x/y', ENCRYPTION_KEYS: 'short' })).toMatch(
      /ENCRYPTION_KEYS/,
    );
  });

  it('refuse to render a kustomization field the renderer does not apply', () => {
    const directory = mkdtempSync(join(tmpdir(), 'kustomize-lite-'));
    try {
      writeFileSync(join(directory, 'kustomization.yaml'), 'resources: []\npatches:\n  - path: patch.yaml\n');
      expect(() => renderKustomization(directory)).toThrow(/patches/);
      writeFileSync(
        join(directory, 'kustomization.yaml'),
        'labels:\n  - pairs: { a: b }\n    includeSelectors: true\n',
      );
      expect(() => renderKustomization(directory)).toThrow(/includeSelectors/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('.env.example', () => {
  const lines = read('.env.example').split('\n');
  const entries = lines.flatMap((line, index) => {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    return match ? [{ name: match[1], value: match[2], comment: lines[index - 1] ?? '' }] : [];
  });
  const env = Object.fromEntries(entries.map(({ name, value }) => [name, value]));

  it('documents every variable of both schemas, each with its own comment, and nothing else', () => {
    const all = new Set([...VARIABLES.hub, ...VARIABLES.instance]);
    const documented = entries.map(({ name }) => name);
    expect([...all].filter((name) => !documented.includes(name))).toEqual([]);
    expect(documented.filter((name) => !all.has(name))).toEqual([]);
    expect(new Set(documented).size).toBe(documented.length);
    expect(entries.filter(({ comment }) => !comment.startsWith('# ')).map(({ name }) => name)).toEqual([]);
  });

  it('holds local development defaults both services accept', () => {
    expect(env.DATABASE_URL).toBe('postgres://switchboard_app:switchboard@127.0.0.1:5432/switchboard_hub');
    expect(configProblems('hub', env)).toBeUndefined();
    expect(configProblems('instance', env)).toBeUndefined();
  });
});
