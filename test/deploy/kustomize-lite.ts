import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

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

interface Kustomization {
  resources?: string[];
  namespace?: string;
  labels?: { pairs: Record<string, string> }[];
  images?: { name: string; newName?: string; newTag?: string }[];
  replicas?: { name: string; count: number }[];
}

// Each field this renderer knows, with the keys of its entries that it applies. Anything else is refused,
// so that an overlay cannot rely on something the tests would silently not render.
const SUPPORTED: Record<string, readonly string[]> = {
  apiVersion: [],
  kind: [],
  resources: [],
  namespace: [],
  labels: ['pairs'],
  images: ['name', 'newName', 'newTag'],
  replicas: ['name', 'count'],
};

/**
 * Renders a kustomization as `kubectl apply -k` would, for the features our
 * overlays use: resources (files and kustomization directories), namespace,
 * labels (on metadata only, kustomize's default), images and replicas. No
 * kustomize binary is available where the tests run.
 */
export function renderKustomization(directory: string): KubernetesObject[] {
  const file = join(directory, 'kustomization.yaml');
  const kustomization = checkSupported(file, readYaml(file)[0] as Record<string, unknown>) as Kustomization;
  const objects = (kustomization.resources ?? []).flatMap((resource) => {
    const path = join(directory, resource);
    return statSync(path).isDirectory() ? renderKustomization(path) : (readYaml(path) as KubernetesObject[]);
  });
  for (const object of objects) {
    if (kustomization.namespace) object.metadata.namespace = kustomization.namespace;
    for (const { pairs } of kustomization.labels ?? []) {
      object.metadata.labels = { ...object.metadata.labels, ...pairs };
    }
    for (const container of containersOf(object)) {
      const image = kustomization.images?.find((candidate) => imageName(container.image) === candidate.name);
      if (image) container.image = `${image.newName ?? image.name}${image.newTag ? `:${image.newTag}` : ''}`;
    }
    const replicas = kustomization.replicas?.find((entry) => entry.name === object.metadata.name);
    if (replicas && object.kind === 'Deployment') (object['spec'] as { replicas: number }).replicas = replicas.count;
  }
  return objects;
}

function checkSupported(file: string, kustomization: Record<string, unknown>): Record<string, unknown> {
  for (const [field, value] of Object.entries(kustomization)) {
    const entryKeys = SUPPORTED[field];
    if (!entryKeys) throw new Error(`${file} uses ${field}, which this renderer does not know`);
    if (!Array.isArray(value) || entryKeys.length === 0) continue;
    for (const entry of value as Record<string, unknown>[]) {
      const unknown = Object.keys(entry).filter((key) => !entryKeys.includes(key));
      if (unknown.length > 0)
        throw new Error(`${file} uses ${field}.${unknown.join(', ')}, which this renderer does not know`);
    }
  }
  return kustomization;
}

/** The image without its tag or digest (a registry port's colon comes before the last slash). */
export function imageName(image: string): string {
  const withoutDigest = image.split('@')[0];
  const tagAt = withoutDigest.lastIndexOf(':');
  return tagAt > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, tagAt) : withoutDigest;
}

/** The containers of a workload's pod template (Deployment, Job), or none. */
export function containersOf(object: KubernetesObject): Container[] {
  const spec = object['spec'] as { template?: { spec?: { containers?: Container[] } } } | undefined;
  return spec?.template?.spec?.containers ?? [];
}

export function readYaml(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0].message}`);
      return document.toJS() as unknown;
    })
    .filter((value) => value !== null);
}
