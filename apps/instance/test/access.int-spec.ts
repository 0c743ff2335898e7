import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

import { applyUniverseSnapshotContract, type UniverseSnapshot } from '@switchboard/contracts';
import { SnapshotSigner } from '@switchboard/crypto';
import { NatsClient, routesOf } from '@switchboard/server';
import { TEST_HUB_KEYS } from '@switchboard/testing';
import jwt from 'jsonwebtoken';

import { NOT_SUPPORTED_ROUTES } from '../src/membrane-compat/not-supported.js';
import { type InstanceHarness, json, startInstance } from './instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from './workspace-fixture.js';

/** Served by the platform itself, outside the API description. */
const OPERATIONAL = /^\/(healthz|readyz|metrics|openapi\.json|openapi\.yaml|docs)(\/|$)/;
const SNAPSHOT = new URL('./access.snapshot.txt', import.meta.url);
/** Routes run side by side (each with every caller at once); every case has its own data, so order does not matter. */
const CONCURRENT_ROUTES = 4;

/**
 * Who calls, all against workspace A's things:
 * - `admin`: an admin token of workspace A;
 * - `tenant`: a tenant of A that owns the thing addressed (for workspace-level things, just a tenant of A);
 * - `other-tenant`: another tenant of A (fresh, like the owner, for every call);
 * - `other-ws-admin`: an admin token of workspace B, on the same instance;
 * - `archived-tenant`: a tenant of A that was archived;
 * - `no-token`, `expired` (the owning tenant's token, expired), `bad-signature` (A's admin claims, wrong key);
 * - `archived-ws`: an admin token of workspace C, whose snapshot has `archivedAt` set;
 * - `member`, `viewer`: the owning tenant's token with that tenant role (`tenant` is its `owner`).
 */
const CALLERS = [
  'admin',
  'tenant',
  'member',
  'viewer',
  'other-tenant',
  'other-ws-admin',
  'archived-tenant',
  'no-token',
  'expired',
  'bad-signature',
  'archived-ws',
] as const;
type Caller = (typeof CALLERS)[number];

/** Callers whose token is an admin token: requests that must name a tenant name it in the body. */
const ADMIN_TOKENS: Caller[] = ['admin', 'other-ws-admin', 'bad-signature', 'archived-ws'];

const UNAUTHENTICATED: Partial<Record<Caller, string>> = {
  'no-token': 'unauthenticated',
  expired: 'token_expired',
  'bad-signature': 'invalid_signature',
};

const TENANT_PATHS = ['tenants', 'customers'] as const;
const LOOKUP_PATHS = ['tenant', 'customer'] as const;
const SELF_PATHS = ['self', 'tenants/self', 'customers/self'] as const;
/** The five element kinds, listed here rather than imported: a new kind is a new set of routes to decide on. */
const ELEMENT_PATHS = {
  connectors: 'connector',
  actions: 'action',
  flows: 'flow',
  'field-mappings': 'field-mapping',
  'data-sources': 'data-source',
} as const;
type ElementPath = keyof typeof ELEMENT_PATHS;

/**
 * Routes that name one of workspace A's things (in the path, by `internalId`
 * or `?key=`, or a tenant in the body): another workspace's admin must not
 * learn that it exists.
 */
const NAMES_WORKSPACE_DATA = [
  /^\w+ [^?]*\{/,
  /^\w+ \/(tenant|customer)(\/restore)?$/,
  /^\w+ \/(connector|action|flow|field-mapping|data-source)(\/(restore|reset))?$/,
  /^(GET|DELETE) \/app-event-subscription$/,
  /^POST \/(connections|usage|event-subscriptions|app-event-subscriptions?)( \(tenantId in the body\))?$/,
];
/** Things that belong to one tenant: another tenant must not learn that they exist. */
const TENANT_OWNED = [
  /^\w+ \/(connections|event-subscriptions|app-event-subscriptions|tenants|customers)\/\{id\}/,
  /^(GET|DELETE) \/app-event-subscription$/,
  /^GET \/[\w-]+\/\{key\}\/customization$/,
];
/** The universe: the same for every workspace and tenant, so another workspace's admin reads it too. */
const PLATFORM_WIDE = /^\w+ \/universe\//;
/** Event subscriptions under our name and under Membrane's. */
const SUBSCRIPTION_PATHS = ['event-subscriptions', 'app-event-subscriptions'] as const;
/**
 * Membrane routes Switchboard does not serve (membrane-compat/not-supported.ts),
 * by label: they touch no data, and answer every caller that passes
 * authentication with 501 not_supported.
 */
const NOT_SUPPORTED = new Map(
  NOT_SUPPORTED_ROUTES.map((route) => [
    `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`,
    route.path.replace(/:(\w+)/g, (_match, name: string) => route.only?.[name]?.[0] ?? 'x').replace(/\*$/, 'rest'),
  ]),
);
/** Requests that name the owning tenant by `tenantId` (query or body): never another tenant's way in. */
const NAMES_TENANT = [/\?tenantId=$/, / \(tenantId in the body\)$/];

interface TenantFixture {
  id: string;
  internalId: string;
  token(): string;
}

interface Outcome {
  status: number;
  code?: string;
  problemJson: boolean;
}

let counter = 0;
const unique = (label: string) => `${label}-${randomBytes(4).toString('hex')}-${(counter++).toString(36)}`;
const query = (internalId: string) => `?internalId=${encodeURIComponent(internalId)}`;
const DEFINITION = { greeting: 'Hello {tenant.name}', steps: [{ kind: 'fetch' }] };

/** Helpers that make fresh things in workspace A, each for one case. */
class Fixtures {
  constructor(
    readonly instance: InstanceHarness,
    readonly workspace: WorkspaceFixture,
    /** A live integration of A, never changed, that connections are made to. */
    readonly integrationKey: string,
  ) {}

  admin(): string {
    return this.workspace.adminToken();
  }

  async ok(method: string, path: string, token: string, body?: unknown): Promise<any> {
    const response = await this.instance.request(method, path, { token, body });
    if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : json(response);
  }

  /** A tenant made as a token makes one: on first sight. */
  async tenant(label: string): Promise<TenantFixture> {
    const internalId = unique(label);
    const token = () => this.workspace.tenantToken(internalId);
    const self = await this.ok('GET', '/self', token());
    return { id: self.id, internalId, token };
  }

  /** A tenant an admin made and then archived. */
  async archivedTenant(): Promise<TenantFixture> {
    const internalId = unique('archived');
    const created = await this.ok('POST', '/tenants', this.admin(), { internalId, name: 'Archived' });
    await this.ok('DELETE', `/tenants/${created.id}`, this.admin());
    return { id: created.id, internalId, token: () => this.workspace.tenantToken(internalId) };
  }

  /** A live API key of the tenant, made by an admin: its id. */
  async apiKey(owner: TenantFixture): Promise<string> {
    const created = await this.ok('POST', `/tenants/${owner.id}/api-keys`, this.admin(), { name: unique('key') });
    return created.id;
  }

  async integration(archived = false): Promise<{ id: string; key: string }> {
    const key = unique('integration');
    const created = await this.ok('POST', '/integrations', this.admin(), { key, name: key, authType: 'api-key' });
    if (archived) await this.ok('DELETE', `/integrations/${created.id}`, this.admin());
    return { id: created.id, key };
  }

  /** An integration naming a workspace connector whose definition holds a spec. */
  async integrationWithConnector(): Promise<string> {
    const connectorKey = unique('connector');
    await this.ok('POST', '/connectors', this.admin(), {
      key: connectorKey,
      name: connectorKey,
      definition: { spec: { name: 'Spec' } },
    });
    const key = unique('integration');
    await this.ok('POST', '/integrations', this.admin(), { key, name: key, authType: 'api-key', connectorKey });
    return key;
  }

  async connection(owner: TenantFixture): Promise<string> {
    const created = await this.ok('POST', '/connections', owner.token(), {
      integrationKey: this.integrationKey,
      credentials: { apiKey: 'secret' },
    });
    return created.id;
  }

  async subscription(owner: TenantFixture): Promise<string> {
    const created = await this.ok('POST', '/event-subscriptions', owner.token(), {
      eventType: 'connection.created',
      webhookUri: 'http://127.0.0.1:9/hook',
    });
    return created.id;
  }

  /** A template; `customizedBy` gives it that tenant's customisation too. */
  async element(
    path: ElementPath,
    options: { archived?: boolean; customizedBy?: TenantFixture } = {},
  ): Promise<string> {
    const key = unique('element');
    await this.ok('POST', `/${path}`, this.admin(), { key, name: key, definition: DEFINITION });
    if (options.customizedBy) {
      await this.ok('PUT', `/${path}/${key}/customization`, options.customizedBy.token(), {
        definition: { greeting: 'Hi' },
      });
    }
    if (options.archived) await this.ok('DELETE', `/${path}/${key}`, this.admin());
    return key;
  }
}

interface Case {
  /** The tenant that owns what the request addresses. */
  tenant: TenantFixture;
  /** The caller holds an admin token: it names the tenant where a tenant token would be implicit. */
  asAdmin: boolean;
  fixtures: Fixtures;
}
type Request = { path: string; body?: unknown };
type Build = (c: Case) => Request | Promise<Request>;

const forTenant = (c: Case) => (c.asAdmin ? { tenantId: c.tenant.id } : {});

/**
 * How to call each route on fresh data. A label that is more than the route
 * (`ROUTE?query`, `ROUTE (…)`) is a second way to call it where that changes
 * who may. A served route missing here fails the matrix: a new route needs a
 * decision on who may call it.
 */
const REQUESTS: Record<string, Build> = {
  'GET /workspace': () => ({ path: '/workspace' }),
  'PUT /workspace/tenant-field-schema': () => ({ path: '/workspace/tenant-field-schema', body: { type: 'object' } }),
  'GET /workspace/export': () => ({ path: '/workspace/export?includeTenants=true' }),
  // A dry run: the other requests' fixtures stay as they are.
  'POST /workspace/import': () => ({
    path: '/workspace/import?dryRun=true',
    body: {
      format: 'switchboard.workspace',
      version: 1,
      settings: { tenantFieldSchema: null },
      integrations: [],
      elements: [
        {
          type: 'action',
          key: 'imported',
          parentKey: null,
          archived: false,
          publishedRevision: 1,
          revisions: [{ revision: 1, name: 'I', definition: {} }],
        },
      ],
    },
  }),

  ...Object.fromEntries(
    SELF_PATHS.flatMap((path): [string, Build][] => [
      [`GET /${path}`, () => ({ path: `/${path}` })],
      [`PATCH /${path}`, () => ({ path: `/${path}`, body: { name: 'Renamed by itself' } })],
    ]),
  ),

  ...Object.fromEntries(
    LOOKUP_PATHS.flatMap((path): [string, Build][] => [
      [`GET /${path}`, ({ tenant }) => ({ path: `/${path}${query(tenant.internalId)}` })],
      [`PATCH /${path}`, ({ tenant }) => ({ path: `/${path}${query(tenant.internalId)}`, body: { name: 'Renamed' } })],
      [
        `PUT /${path}`,
        ({ tenant }) => ({
          path: `/${path}${query(tenant.internalId)}`,
          body: { internalId: tenant.internalId, name: 'Replaced' },
        }),
      ],
      [`DELETE /${path}`, ({ tenant }) => ({ path: `/${path}${query(tenant.internalId)}` })],
      [
        `POST /${path}/restore`,
        async ({ fixtures }) => ({ path: `/${path}/restore${query((await fixtures.archivedTenant()).internalId)}` }),
      ],
    ]),
  ),

  ...Object.fromEntries(
    TENANT_PATHS.flatMap((path): [string, Build][] => [
      [`GET /${path}`, () => ({ path: `/${path}` })],
      [`POST /${path}`, () => ({ path: `/${path}`, body: { internalId: unique('created'), name: 'Created' } })],
      [`GET /${path}/{id}`, ({ tenant }) => ({ path: `/${path}/${tenant.id}` })],
      [`PATCH /${path}/{id}`, ({ tenant }) => ({ path: `/${path}/${tenant.id}`, body: { name: 'Renamed' } })],
      [
        `PUT /${path}/{id}`,
        ({ tenant }) => ({ path: `/${path}/${tenant.id}`, body: { internalId: tenant.internalId, name: 'Replaced' } }),
      ],
      [`DELETE /${path}/{id}`, ({ tenant }) => ({ path: `/${path}/${tenant.id}` })],
      [
        `POST /${path}/{id}/restore`,
        async ({ fixtures }) => ({ path: `/${path}/${(await fixtures.archivedTenant()).id}/restore` }),
      ],
      [`GET /${path}/{id}/credentials`, ({ tenant }) => ({ path: `/${path}/${tenant.id}/credentials` })],
      [`GET /${path}/{id}/usage`, ({ tenant }) => ({ path: `/${path}/${tenant.id}/usage` })],
    ]),
  ),
  'GET /tenants/{id}/balance': ({ tenant }) => ({ path: `/tenants/${tenant.id}/balance` }),
  'POST /tenants/{id}/balance/top-ups': ({ tenant }) => ({
    path: `/tenants/${tenant.id}/balance/top-ups`,
    body: { credits: 1, reference: unique('top-up') },
  }),
  'POST /tenants/{id}/api-keys': ({ tenant }) => ({ path: `/tenants/${tenant.id}/api-keys`, body: { name: 'Key' } }),
  'GET /tenants/{id}/api-keys': ({ tenant }) => ({ path: `/tenants/${tenant.id}/api-keys` }),
  'DELETE /tenants/{id}/api-keys/{keyId}': async ({ fixtures, tenant }) => ({
    path: `/tenants/${tenant.id}/api-keys/${await fixtures.apiKey(tenant)}`,
  }),
  'POST /tenants/{id}/revoke-tokens': ({ tenant }) => ({ path: `/tenants/${tenant.id}/revoke-tokens` }),
  'POST /self/api-keys': () => ({ path: '/self/api-keys', body: { name: 'Key' } }),
  'GET /self/api-keys': () => ({ path: '/self/api-keys' }),
  'GET /self/children': () => ({ path: '/self/children' }),
  'DELETE /self/api-keys/{keyId}': async ({ fixtures, tenant }) => ({
    path: `/self/api-keys/${await fixtures.apiKey(tenant)}`,
  }),
  'POST /usage': (c) => ({ path: '/usage', body: { credits: 1, ...forTenant(c) } }),
  'POST /usage (tenantId in the body)': ({ tenant }) => ({ path: '/usage', body: { credits: 1, tenantId: tenant.id } }),
  'GET /activity-logs': () => ({ path: '/activity-logs' }),
  'GET /activity-logs?tenantId=': ({ tenant }) => ({ path: `/activity-logs?tenantId=${tenant.id}` }),

  'GET /universe/{utype}': () => ({ path: '/universe/connectors' }),
  'GET /universe/{utype}/{key}': () => ({ path: '/universe/connectors/matrix' }),
  'POST /universe/{utype}': () => ({ path: '/universe/connectors', body: { key: 'new', name: 'New', definition: {} } }),
  'PUT /universe/{utype}/{key}': () => ({ path: '/universe/connectors/matrix', body: { definition: {} } }),
  'PATCH /universe/{utype}/{key}': () => ({ path: '/universe/connectors/matrix', body: { definition: {} } }),
  'DELETE /universe/{utype}/{key}': () => ({ path: '/universe/connectors/matrix' }),
  'POST /universe/{utype}/{key}/restore': () => ({ path: '/universe/connectors/matrix/restore' }),
  'GET /integrations': () => ({ path: '/integrations' }),
  'POST /integrations': () => ({
    path: '/integrations',
    body: { key: unique('integration'), name: 'Created', authType: 'api-key' },
  }),
  'GET /integrations/{idOrKey}': async ({ fixtures }) => ({
    path: `/integrations/${(await fixtures.integration()).key}`,
  }),
  'GET /integrations/{idOrKey}/connector-spec': async ({ fixtures }) => ({
    path: `/integrations/${await fixtures.integrationWithConnector()}/connector-spec`,
  }),
  'PATCH /integrations/{idOrKey}': async ({ fixtures }) => ({
    path: `/integrations/${(await fixtures.integration()).id}`,
    body: { name: 'Renamed' },
  }),
  'PUT /integrations/{idOrKey}': async ({ fixtures }) => {
    const integration = await fixtures.integration();
    return {
      path: `/integrations/${integration.id}`,
      body: { key: integration.key, name: 'Replaced', authType: 'api-key' },
    };
  },
  'DELETE /integrations/{idOrKey}': async ({ fixtures }) => ({
    path: `/integrations/${(await fixtures.integration()).id}`,
  }),
  'POST /integrations/{idOrKey}/restore': async ({ fixtures }) => ({
    path: `/integrations/${(await fixtures.integration(true)).id}/restore`,
  }),

  'POST /connections': (c) => ({
    path: '/connections',
    body: { integrationKey: c.fixtures.integrationKey, credentials: { apiKey: 'secret' }, ...forTenant(c) },
  }),
  'POST /connections (tenantId in the body)': ({ fixtures, tenant }) => ({
    path: '/connections',
    body: { integrationKey: fixtures.integrationKey, credentials: { apiKey: 'secret' }, tenantId: tenant.id },
  }),
  'GET /connections': () => ({ path: '/connections' }),
  'GET /connections?tenantId=': ({ tenant }) => ({ path: `/connections?tenantId=${tenant.id}` }),
  'GET /connections/{id}': async ({ fixtures, tenant }) => ({
    path: `/connections/${await fixtures.connection(tenant)}`,
  }),
  'GET /connections/{id}?includeSecrets=true': async ({ fixtures, tenant }) => ({
    path: `/connections/${await fixtures.connection(tenant)}?includeSecrets=true`,
  }),
  'PATCH /connections/{id}': async ({ fixtures, tenant }) => ({
    path: `/connections/${await fixtures.connection(tenant)}`,
    body: { name: 'Renamed' },
  }),
  'PUT /connections/{id}': async ({ fixtures, tenant }) => ({
    path: `/connections/${await fixtures.connection(tenant)}`,
    body: { name: 'Replaced', credentials: { apiKey: 'other' } },
  }),
  'DELETE /connections/{id}': async ({ fixtures, tenant }) => ({
    path: `/connections/${await fixtures.connection(tenant)}`,
  }),
  'GET /connections/{id}/credentials': async ({ fixtures, tenant }) => ({
    path: `/connections/${await fixtures.connection(tenant)}/credentials`,
  }),

  ...Object.fromEntries(
    SUBSCRIPTION_PATHS.flatMap((path): [string, Build][] => [
      [
        `POST /${path}`,
        (c) => ({
          path: `/${path}`,
          body: { eventType: 'connection.created', webhookUri: 'http://127.0.0.1:9/hook', ...forTenant(c) },
        }),
      ],
      [
        `POST /${path} (tenantId in the body)`,
        ({ tenant }) => ({
          path: `/${path}`,
          body: { eventType: 'connection.created', webhookUri: 'http://127.0.0.1:9/hook', tenantId: tenant.id },
        }),
      ],
      [`GET /${path}`, () => ({ path: `/${path}` })],
      [`GET /${path}?tenantId=`, ({ tenant }) => ({ path: `/${path}?tenantId=${tenant.id}` })],
      [
        `GET /${path}/{id}`,
        async ({ fixtures, tenant }) => ({ path: `/${path}/${await fixtures.subscription(tenant)}` }),
      ],
      [
        `DELETE /${path}/{id}`,
        async ({ fixtures, tenant }) => ({ path: `/${path}/${await fixtures.subscription(tenant)}` }),
      ],
    ]),
  ),
  'POST /app-event-subscription': (c) => ({
    path: '/app-event-subscription',
    body: { eventType: 'connection.created', webhookUri: 'http://127.0.0.1:9/hook', ...forTenant(c) },
  }),
  'POST /app-event-subscription (tenantId in the body)': ({ tenant }) => ({
    path: '/app-event-subscription',
    body: { eventType: 'connection.created', webhookUri: 'http://127.0.0.1:9/hook', tenantId: tenant.id },
  }),
  'GET /app-event-subscription': async ({ fixtures, tenant }) => ({
    path: `/app-event-subscription?id=${await fixtures.subscription(tenant)}`,
  }),
  'DELETE /app-event-subscription': async ({ fixtures, tenant }) => ({
    path: `/app-event-subscription?id=${await fixtures.subscription(tenant)}`,
  }),

  ...Object.fromEntries([...NOT_SUPPORTED].map(([label, path]): [string, Build] => [label, () => ({ path })])),

  ...Object.fromEntries(
    (Object.entries(ELEMENT_PATHS) as [ElementPath, string][]).flatMap(([path, singular]): [string, Build][] => [
      [`GET /${path}`, () => ({ path: `/${path}` })],
      [
        `POST /${path}`,
        () => ({ path: `/${path}`, body: { key: unique('element'), name: 'Created', definition: DEFINITION } }),
      ],
      [`GET /${path}/{key}`, async ({ fixtures }) => ({ path: `/${path}/${await fixtures.element(path)}` })],
      [`GET /${singular}`, async ({ fixtures }) => ({ path: `/${singular}?key=${await fixtures.element(path)}` })],
      [
        `PUT /${singular}`,
        async ({ fixtures }) => ({
          path: `/${singular}?key=${await fixtures.element(path)}`,
          body: { definition: { greeting: 'Revised' } },
        }),
      ],
      [
        `PATCH /${singular}`,
        async ({ fixtures }) => ({
          path: `/${singular}?key=${await fixtures.element(path)}`,
          body: { definition: { greeting: 'Patched' } },
        }),
      ],
      [`DELETE /${singular}`, async ({ fixtures }) => ({ path: `/${singular}?key=${await fixtures.element(path)}` })],
      [
        `POST /${singular}/restore`,
        async ({ fixtures }) => ({
          path: `/${singular}/restore?key=${await fixtures.element(path, { archived: true })}`,
        }),
      ],
      [
        `POST /${singular}/reset`,
        async ({ fixtures, tenant }) => ({
          path: `/${singular}/reset?key=${await fixtures.element(path, { customizedBy: tenant })}`,
        }),
      ],
      [
        `PUT /${path}/{key}`,
        async ({ fixtures }) => ({
          path: `/${path}/${await fixtures.element(path)}`,
          body: { definition: { greeting: 'Revised' } },
        }),
      ],
      [
        `PATCH /${path}/{key}`,
        async ({ fixtures }) => ({
          path: `/${path}/${await fixtures.element(path)}`,
          body: { definition: { greeting: 'Patched' } },
        }),
      ],
      [`DELETE /${path}/{key}`, async ({ fixtures }) => ({ path: `/${path}/${await fixtures.element(path)}` })],
      [
        `POST /${path}/{key}/restore`,
        async ({ fixtures }) => ({ path: `/${path}/${await fixtures.element(path, { archived: true })}/restore` }),
      ],
      [
        `GET /${path}/{key}/revisions`,
        async ({ fixtures }) => ({ path: `/${path}/${await fixtures.element(path)}/revisions` }),
      ],
      [
        `POST /${path}/{key}/rollback`,
        async ({ fixtures }) => ({ path: `/${path}/${await fixtures.element(path)}/rollback`, body: { revision: 1 } }),
      ],
      [
        `POST /${path}/{key}/publish`,
        async ({ fixtures }) => ({ path: `/${path}/${await fixtures.element(path)}/publish`, body: { revision: 1 } }),
      ],
      [
        `GET /${path}/{key}/deployment`,
        async ({ fixtures }) => ({ path: `/${path}/${await fixtures.element(path)}/deployment` }),
      ],
      [
        `GET /${path}/{key}?tenantId=`,
        async ({ fixtures, tenant }) => ({ path: `/${path}/${await fixtures.element(path)}?tenantId=${tenant.id}` }),
      ],
      [
        `GET /${path}/{key}/customization`,
        async ({ fixtures, tenant }) => ({
          path: `/${path}/${await fixtures.element(path, { customizedBy: tenant })}/customization`,
        }),
      ],
      [
        `PUT /${path}/{key}/customization`,
        async ({ fixtures }) => ({
          path: `/${path}/${await fixtures.element(path)}/customization`,
          body: { definition: { greeting: 'Hi' } },
        }),
      ],
      [
        `DELETE /${path}/{key}/customization`,
        async ({ fixtures, tenant }) => ({
          path: `/${path}/${await fixtures.element(path, { customizedBy: tenant })}/customization`,
        }),
      ],
      [
        `POST /${path}/{key}/reset`,
        async ({ fixtures, tenant }) => ({
          path: `/${path}/${await fixtures.element(path, { customizedBy: tenant })}/reset`,
        }),
      ],
    ]),
  ),
};

/** The route a request label exercises: its method and path, without the query. */
const routeOf = (label: string) => label.split(' ').slice(0, 2).join(' ').split('?')[0]!;
const outcomeClass = (status: number) => (status >= 200 && status < 300 ? '2xx' : String(status));

async function mapLimit<T>(items: T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await run(item);
    }),
  );
}

/**
 * Every instance route × every kind of caller, on fresh data per call, with
 * what each gets (2xx or the exact 4xx) compared with a committed snapshot: a
 * change of who can reach what shows up in review. Rules that hold whatever
 * the snapshot says are checked on their own. (UPDATE_ACCESS_SNAPSHOT=1
 * rewrites the snapshot.)
 */
describe('Instance routes: who may call what', () => {
  let instance: InstanceHarness;
  let served: string[];
  const results = new Map<string, Record<Caller, Outcome>>();

  beforeAll(async () => {
    instance = await startInstance({
      ENCRYPTION_KEYS: FIXTURE_KEYS,
      DATABASE_POOL_SIZE: '10',
      // Subscriptions point at a closed loopback port, which the outbound policy refuses unless allowed.
      OUTBOUND_ALLOWED_CIDRS: '127.0.0.0/8',
    });
    served = [
      ...new Set(
        routesOf(instance.app)
          .filter((route) => !['HEAD', 'OPTIONS'].includes(route.method) && !OPERATIONAL.test(route.url))
          .map((route) => `${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`),
      ),
    ].sort();

    // The universe holds one connector, as the Hub would deliver it.
    const now = new Date().toISOString();
    const universe: UniverseSnapshot = {
      kind: 'universe',
      version: 1,
      elements: [
        {
          id: randomUUID(),
          type: 'connector',
          key: 'matrix',
          name: 'Matrix',
          definition: {},
          revision: 1,
          createdAt: now,
          updatedAt: now,
          archivedAt: null,
        },
      ],
    };
    const instanceId = instance.config.INSTANCE_ID;
    await instance.app
      .get(NatsClient)
      .request(
        applyUniverseSnapshotContract,
        { snapshot: universe, signature: SnapshotSigner.fromSeed(TEST_HUB_KEYS.signingKey).sign(instanceId, universe) },
        { instanceId },
      );

    const workspace = await seedWorkspace(instance);
    const otherWorkspace = await seedWorkspace(instance);
    const archivedWorkspace = await seedWorkspace(instance);
    await archivedWorkspace.update({ archivedAt: new Date().toISOString() });
    const integrationKey = unique('crm');
    await instance.request('POST', '/integrations', {
      token: workspace.adminToken(),
      body: { key: integrationKey, name: 'CRM', authType: 'api-key' },
    });
    const fixtures = new Fixtures(instance, workspace, integrationKey);
    const archivedTenant = await fixtures.archivedTenant();
    const tokens = (tenant: TenantFixture, other: TenantFixture): Record<Caller, string | undefined> => ({
      admin: workspace.adminToken(),
      tenant: tenant.token(),
      member: workspace.tenantToken(tenant.internalId, { role: 'member' }),
      viewer: workspace.tenantToken(tenant.internalId, { role: 'viewer' }),
      'other-tenant': other.token(),
      'other-ws-admin': otherWorkspace.adminToken(),
      'archived-tenant': archivedTenant.token(),
      'no-token': undefined,
      expired: workspace.sign({ tenantKey: tenant.internalId }, { expiresIn: -10 }),
      'bad-signature': jwt.sign({ iss: workspace.snapshot.key, isAdmin: true }, 'not-the-workspace-secret', {
        algorithm: 'HS256',
        expiresIn: 600,
      }),
      'archived-ws': archivedWorkspace.adminToken(),
    });

    const labels = Object.keys(REQUESTS).filter((label) => served.includes(routeOf(label)));
    // Routes that touch no data share one pair of tenants.
    const shared = await Promise.all([fixtures.tenant('owner'), fixtures.tenant('other')]);
    await mapLimit(labels, CONCURRENT_ROUTES, async (label) => {
      const [method] = label.split(' ') as [string];
      const outcomes = await Promise.all(
        CALLERS.map(async (caller): Promise<Outcome> => {
          const [tenant, other] = NOT_SUPPORTED.has(label)
            ? shared
            : await Promise.all([fixtures.tenant('owner'), fixtures.tenant('other')]);
          const request = await REQUESTS[label]!({ tenant, asAdmin: ADMIN_TOKENS.includes(caller), fixtures });
          const response = await instance.request(method, request.path, {
            token: tokens(tenant, other)[caller],
            body: request.body,
          });
          const problemJson = response.headers.get('content-type')?.startsWith('application/problem+json') ?? false;
          const body = problemJson ? await json(response) : await response.arrayBuffer();
          return { status: response.status, code: problemJson ? body.code : undefined, problemJson };
        }),
      );
      results.set(label, Object.fromEntries(CALLERS.map((caller, i) => [caller, outcomes[i]])) as never);
    });
  }, 120_000);

  afterAll(async () => {
    await instance?.close();
  });

  it('has a request for every served route, and none for a route that is not served', () => {
    expect(served.length).toBeGreaterThanOrEqual(100);
    expect(served.filter((route) => !REQUESTS[route])).toEqual([]);
    expect(Object.keys(REQUESTS).filter((label) => !served.includes(routeOf(label)))).toEqual([]);
  });

  it('holds the rules that no snapshot may change', () => {
    const problems: string[] = [];
    for (const [label, by] of results) {
      const says = (caller: Caller, rule: string) =>
        problems.push(`${label} as ${caller}: ${rule}, got ${by[caller].status} ${by[caller].code ?? ''}`.trim());
      const [method] = label.split(' ') as [string];
      // A viewer reads only: whatever a route is, anything but a read is 403 for it.
      if (method !== 'GET' && (by.viewer.status !== 403 || by.viewer.code !== 'forbidden'))
        says('viewer', '403 forbidden');
      for (const caller of CALLERS) {
        const { status, code, problemJson } = by[caller];
        const notSupported = NOT_SUPPORTED.has(label);
        if (status >= 500 && !(notSupported && status === 501 && code === 'not_supported')) says(caller, 'never a 5xx');
        // Authentication and the archive checks come first; then every caller learns the feature is not offered.
        const refused =
          UNAUTHENTICATED[caller] ||
          caller === 'archived-ws' ||
          caller === 'archived-tenant' ||
          (caller === 'viewer' && method !== 'GET');
        if (notSupported && !refused && (status !== 501 || code !== 'not_supported')) {
          says(caller, '501 not_supported');
        }
        if (status >= 300 && !problemJson) says(caller, 'errors are problem+json');
        const unauthenticated = UNAUTHENTICATED[caller];
        if (unauthenticated && (status !== 401 || code !== unauthenticated)) says(caller, `401 ${unauthenticated}`);
      }
      if (by['archived-ws'].status !== 403 || by['archived-ws'].code !== 'workspace_archived') {
        says('archived-ws', '403 workspace_archived');
      }
      if (by['archived-tenant'].status !== 403 || by['archived-tenant'].code !== 'tenant_archived') {
        says('archived-tenant', '403 tenant_archived');
      }
      // Another workspace's admin gets what A's own admin would get for a refusal, and 404 where A's admin succeeds.
      if (!PLATFORM_WIDE.test(label) && NAMES_WORKSPACE_DATA.some((pattern) => pattern.test(label))) {
        const expected = by.admin.status < 300 ? 404 : by.admin.status;
        if (by['other-ws-admin'].status !== expected)
          says('other-ws-admin', `${expected} (A's admin got ${by.admin.status})`);
      }
      // Another tenant gets what the owner would get for a refusal, and 404 where the owner succeeds.
      if (TENANT_OWNED.some((pattern) => pattern.test(label))) {
        const expected = by.tenant.status < 300 ? 404 : by.tenant.status;
        if (by['other-tenant'].status !== expected)
          says('other-tenant', `${expected} (the owner got ${by.tenant.status})`);
      }
      if (NAMES_TENANT.some((pattern) => pattern.test(label)) && by['other-tenant'].status < 300) {
        says('other-tenant', 'never 2xx when naming another tenant');
      }
    }
    expect(problems).toEqual([]);
    expect(results.size).toBe(Object.keys(REQUESTS).length);
  });

  it('matches the committed access snapshot: every route with what each kind of caller gets', () => {
    const lines = [...results.keys()].sort().map((label) => {
      const by = results.get(label)!;
      const columns = CALLERS.map((caller) => `${caller}=${outcomeClass(by[caller].status)}`.padEnd(caller.length + 5));
      return `${label.padEnd(50)} ${columns.join(' ')}`.trimEnd();
    });
    const snapshot = `${lines.join('\n')}\n`;
    if (process.env['UPDATE_ACCESS_SNAPSHOT'] === '1') writeFileSync(SNAPSHOT, snapshot);
    expect(snapshot).toBe(readFileSync(SNAPSHOT, 'utf8'));
  });
});
