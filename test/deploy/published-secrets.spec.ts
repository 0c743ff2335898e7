// Every secret value the repository publishes must be in libs/config's list, which services refuse at boot
// (unless SWITCHBOARD_DEV_DEFAULTS=true). This reads the files a deployment could copy a secret from, so a new
// published value fails here until it is listed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { PUBLISHED_SECRETS, publishedSecretProblems, secretKeysOf, secretMaterial } from '@switchboard/config';
import { parse } from 'yaml';

import { HubConfig } from '../../apps/hub/src/config.js';
import { InstanceConfig } from '../../apps/instance/src/config.js';
import { containersOf, type KubernetesObject, must, readYaml, renderKustomization } from './manifests.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const published = new Set(PUBLISHED_SECRETS);
/** Secret variables of either service, and the Hub's signing key (declared by the snapshot-signing work). */
const SECRET_VARIABLES = new Set([...secretKeysOf(HubConfig), ...secretKeysOf(InstanceConfig), 'HUB_SIGNING_KEY']);

/** The secret material of `value` that the list lacks, labelled with where it was found. */
function unlisted(where: string, value: string): string[] {
  return secretMaterial(value)
    .filter((material) => !published.has(material))
    .map(() => where);
}

describe('secrets the repository publishes', () => {
  it("lists every secret of npm start's development defaults", () => {
    const defaults = JSON.parse(read('scripts/dev-defaults.json')) as { secrets: Record<string, string> };
    expect(Object.keys(defaults.secrets).length).toBeGreaterThanOrEqual(7);
    expect(
      Object.entries(defaults.secrets).flatMap(([name, value]) => unlisted(`dev-defaults ${name}`, value)),
    ).toEqual([]);
  });

  it('lists every secret of .env.example', () => {
    const entries = read('.env.example')
      .split('\n')
      .flatMap((line) => {
        const [, name, value] = /^([A-Z0-9_]+)=(.+)$/.exec(line) ?? [];
        return name !== undefined && value !== undefined && SECRET_VARIABLES.has(name) ? [[name, value] as const] : [];
      });
    expect(entries.map(([name]) => name)).toEqual(expect.arrayContaining(['DATABASE_URL', 'ENCRYPTION_KEYS']));
    expect(entries.flatMap(([name, value]) => unlisted(`.env.example ${name}`, value))).toEqual([]);
  });

  it('lists every value of the example k8s Secret that a service reads as a secret', () => {
    const example = (readYaml(join(ROOT, 'k8s/base/secrets.example.yaml'))[0] as { stringData: Record<string, string> })
      .stringData;
    const keys = new Set(
      renderKustomization(join(ROOT, 'k8s/base')).flatMap((object: KubernetesObject) =>
        containersOf(object).flatMap((container) =>
          (container.env ?? []).flatMap((entry) =>
            entry.valueFrom?.secretKeyRef && SECRET_VARIABLES.has(entry.name) ? [entry.valueFrom.secretKeyRef.key] : [],
          ),
        ),
      ),
    );
    expect(keys.size).toBeGreaterThanOrEqual(10);
    expect(
      [...keys].flatMap((key) =>
        unlisted(`secrets.example.yaml ${key}`, must(example[key], `${key} in secrets.example.yaml`)),
      ),
    ).toEqual([]);
  });

  it('finds no secret in docker-compose.yml: each one is a file of the git-ignored .secrets/', () => {
    const { services, secrets } = parse(read('docker-compose.yml'), { merge: true }) as {
      services: Record<string, { environment?: Record<string, string> }>;
      secrets: Record<string, { file?: string }>;
    };
    const inEnvironment = Object.entries(services).flatMap(([name, service]) =>
      Object.entries(service.environment ?? {}).flatMap(([variable, value]) =>
        (SECRET_VARIABLES.has(variable) || /PASSWORD/.test(variable)) && !variable.endsWith('_FILE')
          ? [`${name} ${variable}=${value}`]
          : [],
      ),
    );
    expect(inEnvironment).toEqual([]);
    expect(Object.values(secrets).filter(({ file }) => !file?.startsWith('./.secrets/'))).toEqual([]);
    expect(read('.gitignore').split('\n')).toContain('.secrets/');
    expect(read('.dockerignore').split('\n')).toContain('.secrets');
  });

  it('is what a service refuses, and only npm start accepts them', () => {
    for (const value of PUBLISHED_SECRETS) expect(publishedSecretProblems({ SOME_SECRET: value })).toHaveLength(1);
    expect(publishedSecretProblems({ SOME_SECRET: 'a value of our own' })).toEqual([]);
    expect(read('scripts/start-dev.mjs')).toContain("SWITCHBOARD_DEV_DEFAULTS: 'true'");
    for (const file of [
      'docker-compose.yml',
      '.env.example',
      ...['workloads.generated', 'configmap'].map((name) => `k8s/base/${name}.yaml`),
    ]) {
      expect({ file, sets: /SWITCHBOARD_DEV_DEFAULTS\W+true/.test(read(file)) }).toEqual({ file, sets: false });
    }
  });
});
