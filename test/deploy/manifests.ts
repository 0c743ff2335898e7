import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { parseAllDocuments } from 'yaml';

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  [key: string]: unknown;
}

/**
 * `value`, which the test relies on existing; throws `expected <what>` when it is undefined (an index past the end,
 * a key not in a record, a regex group that did not take part), so the test fails with a clear message.
 */
export function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`expected ${what}`);
  return value;
}

/**
 * Renders a kustomization directory with the real `kubectl kustomize` (kustomize v5 built into kubectl), as
 * `kubectl apply -k` would; throws with kubectl's message when it cannot.
 */
export function renderKustomization(directory: string): KubernetesObject[] {
  const result = spawnSync('kubectl', ['kustomize', directory], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.error) throw new Error(`kubectl kustomize could not run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`kubectl kustomize ${directory} failed: ${result.stderr}`);
  return parseYaml(result.stdout, directory) as KubernetesObject[];
}

/** The image without its tag or digest (a registry port's colon comes before the last slash). */
export function imageName(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const tagAt = withoutDigest.lastIndexOf(':');
  return tagAt > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, tagAt) : withoutDigest;
}

/** The pod spec of a workload (Deployment, Job), or undefined. */
export function podSpecOf(object: KubernetesObject): Record<string, any> | undefined {
  return (object['spec'] as { template?: { spec?: Record<string, any> } } | undefined)?.template?.spec;
}

/** The containers of a workload's pod template, init containers first, or none. */
export function containersOf(object: KubernetesObject): Container[] {
  const spec = podSpecOf(object);
  return [...(spec?.['initContainers'] ?? []), ...(spec?.['containers'] ?? [])] as Container[];
}

/** The application container of a workload (its last container: init containers come first). */
export function mainContainerOf(object: KubernetesObject): Container {
  const container = ((podSpecOf(object)?.['containers'] ?? []) as Container[])[0];
  if (!container) throw new Error(`${object.kind}/${object.metadata.name} has no container`);
  return container;
}

export function readYaml(path: string): unknown[] {
  return parseYaml(readFileSync(path, 'utf8'), path);
}

function parseYaml(text: string, where: string): unknown[] {
  return parseAllDocuments(text)
    .map((document) => {
      const [error] = document.errors;
      if (error) throw new Error(`${where}: ${error.message}`);
      return document.toJS() as unknown;
    })
    .filter((value) => value !== null);
}
