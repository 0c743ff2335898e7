// Writes k8s/base/workloads.generated.yaml from k8s/instances.yaml: for the Hub, for every instance and for
// the gateway a ServiceAccount-bound Deployment (whose pods, for the Hub and instances, migrate their database
// first: an initContainer running db-setup, so every rollout migrates before its new pods start, with no Job to
// delete; the gateway has no database), a Service, a PodDisruptionBudget, a HorizontalPodAutoscaler and an
// Ingress. One template, so every pod meets the Pod Security "restricted" profile alike.
//   node scripts/k8s-workloads.mjs           rewrite the file
//   node scripts/k8s-workloads.mjs --check   exit 1 when the file is not what k8s/instances.yaml gives
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import prettier from 'prettier';
import { parse, stringify } from 'yaml';

const ROOT = new URL('../', import.meta.url);
const SOURCE = new URL('k8s/instances.yaml', ROOT);
const TARGET = new URL('k8s/base/workloads.generated.yaml', ROOT);
const ID = /^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$/;
/**
 * The operations port (OPS_PORT): /metrics and /healthz, apart from the API. Named `ops` on the container and
 * the Service; the ServiceMonitor scrapes it, no Ingress routes to it, and NetworkPolicy switchboard-ingress
 * opens it to the monitoring namespace only.
 */
const OPS_PORT = 9464;

/** The value of a variable from a key of the Secret switchboard-secrets. */
const fromSecret = (name, key) => ({ name, valueFrom: { secretKeyRef: { name: 'switchboard-secrets', key } } });

/** What every Switchboard container has: the restricted profile's container fields, and a writable /tmp. */
const containerSecurity = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};

/** A workload: Deployment (migrating first), Service, PodDisruptionBudget, HorizontalPodAutoscaler, Ingress. */
function workload({ name, app, port, host, env, setupEnv }) {
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': app };
  const selector = { 'app.kubernetes.io/name': name };
  const configFrom = [{ configMapRef: { name: 'switchboard-config' } }];
  const tmp = [{ name: 'tmp', mountPath: '/tmp' }];
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      // No replicas: the HorizontalPodAutoscaler owns the count.
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: 'switchboard',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          // Every new pod migrates before it starts: db-setup is idempotent and takes a per-database advisory
          // lock, so the replicas of a rollout take turns and the later ones find nothing to do.
          ...(setupEnv
            ? {
                initContainers: [
                  {
                    name: 'migrate',
                    image: 'switchboard',
                    command: ['node', `apps/${app}/dist/db-setup.js`],
                    envFrom: configFrom,
                    env: setupEnv,
                    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
                    securityContext: containerSecurity,
                    volumeMounts: tmp,
                  },
                ],
              }
            : {}),
          containers: [
            {
              name: app,
              image: 'switchboard',
              command: ['node', `apps/${app}/dist/main.js`],
              ports: [
                { name: 'http', containerPort: port },
                { name: 'ops', containerPort: OPS_PORT },
              ],
              envFrom: configFrom,
              env: [...env, { name: 'OPS_PORT', value: String(OPS_PORT) }],
              // The port opens at once and /healthz answers while it waits for Postgres and NATS.
              startupProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, failureThreshold: 30 },
              readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, failureThreshold: 3 },
              livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 6 },
              // Endpoints drop the pod while it still serves: wait for that before Nest's shutdown hooks run.
              lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
              resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
              securityContext: containerSecurity,
              volumeMounts: tmp,
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels },
    // ClusterIP: `ops` is reachable in the cluster for the ServiceMonitor (and only from the monitoring
    // namespace, see network-policy.yaml); the Ingress routes `http` alone.
    spec: {
      selector,
      ports: [
        { name: 'http', port: 80, targetPort: 'http' },
        { name: 'ops', port: OPS_PORT, targetPort: 'ops' },
      ],
    },
  };
  const disruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, labels },
    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
  };
  const autoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, labels },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: 1,
      maxReplicas: 6,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      ],
    },
  };
  const ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, labels },
    spec: {
      tls: [{ hosts: [host], secretName: `${name}-tls` }],
      rules: [
        {
          host,
          http: {
            paths: [
              // /metrics is not on this port at all: it is on `ops`, which no Ingress routes to.
              { path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: 'http' } } } },
            ],
          },
        },
      ],
    },
  };
  return [deployment, service, disruptionBudget, autoscaler, ingress];
}

/**
 * The generated file's text for a parsed k8s/instances.yaml, formatted as `npm run lint` wants it (Prettier);
 * rejects on an entry that is not valid.
 */
export async function render(source) {
  const hubHost = source?.hub?.host;
  const gatewayHost = source?.gateway?.host;
  const instances = source?.instances ?? [];
  const hosts = [hubHost, gatewayHost, ...instances.map((instance) => instance.host)];
  for (const host of hosts) {
    if (typeof host !== 'string' || !/^[a-z0-9.-]+$/.test(host)) throw new Error(`not a host name: ${host}`);
  }
  const ids = instances.map((instance) => instance.id);
  for (const id of ids) {
    if (typeof id !== 'string' || !ID.test(id) || id === 'hub' || id === 'gateway') {
      throw new Error(`not an instance id: ${id}`);
    }
  }
  if (new Set(ids).size !== ids.length) throw new Error('an instance id appears twice');
  if (instances.length === 0) throw new Error('no instance');
  const database = (prefix, key) => [
    fromSecret('DATABASE_URL', `${prefix}-database-url`),
    fromSecret('ENCRYPTION_KEYS', 'encryption-keys'),
    ...(key === 'setup'
      ? [
          fromSecret('DATABASE_MIGRATION_URL', `${prefix}-migration-url`),
          fromSecret('DATABASE_ADMIN_URL', 'database-admin-url'),
        ]
      : []),
  ];
  const objects = [
    ...workload({
      name: 'hub',
      app: 'hub',
      port: 8080,
      host: hubHost,
      env: [
        { name: 'HUB_PORT', value: '8080' },
        { name: 'HUB_PUBLIC_URL', value: `https://${hubHost}` },
        // Every workspace's apiUrl is the gateway's.
        { name: 'HUB_GATEWAY_URL', value: `https://${gatewayHost}` },
        fromSecret('HUB_BOOTSTRAP_ADMIN_EMAIL', 'bootstrap-admin-email'),
        fromSecret('HUB_BOOTSTRAP_ADMIN_TOKEN', 'bootstrap-admin-token'),
        fromSecret('HUB_SIGNING_KEY', 'hub-signing-key'),
        { name: 'NATS_USER', value: 'hub' },
        fromSecret('NATS_PASSWORD', 'nats-hub-password'),
        ...database('hub', 'main'),
      ],
      setupEnv: database('hub', 'setup'),
    }),
    ...instances.flatMap(({ id, host }) => {
      const identity = [
        { name: 'INSTANCE_ID', value: id },
        { name: 'INSTANCE_API_URL', value: `https://${host}` },
      ];
      return workload({
        name: id,
        app: 'instance',
        port: 8081,
        host,
        env: [
          ...identity,
          { name: 'INSTANCE_PORT', value: '8081' },
          fromSecret('HUB_PUBLIC_KEY', 'hub-public-key'),
          { name: 'NATS_USER', value: id },
          fromSecret('NATS_PASSWORD', `${id}-nats-password`),
          ...database(id, 'main'),
        ],
        setupEnv: [...identity, ...database(id, 'setup')],
      });
    }),
    // One URL for every workspace: it forwards to each instance at the URL the instance registered (its Ingress).
    ...workload({
      name: 'gateway',
      app: 'gateway',
      port: 8090,
      host: gatewayHost,
      env: [
        { name: 'GATEWAY_PORT', value: '8090' },
        { name: 'GATEWAY_PUBLIC_URL', value: `https://${gatewayHost}` },
        { name: 'NATS_USER', value: 'gateway' },
        fromSecret('NATS_PASSWORD', 'nats-gateway-password'),
      ],
    }),
  ];
  const header =
    '# Generated by scripts/k8s-workloads.mjs from k8s/instances.yaml: edit those, then run\n' +
    '#   node scripts/k8s-workloads.mjs\n';
  const text = header + objects.map((object) => `---\n${stringify(object, { lineWidth: 0 })}`).join('');
  const options = await prettier.resolveConfig(fileURLToPath(TARGET));
  return prettier.format(text, { ...options, filepath: fileURLToPath(TARGET) });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const text = await render(parse(readFileSync(SOURCE, 'utf8')));
  if (process.argv.includes('--check')) {
    if (readFileSync(TARGET, 'utf8') !== text) {
      console.error('k8s/base/workloads.generated.yaml is stale: run node scripts/k8s-workloads.mjs');
      process.exit(1);
    }
  } else {
    writeFileSync(TARGET, text);
  }
}
