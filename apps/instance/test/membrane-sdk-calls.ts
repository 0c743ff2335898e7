import { expect } from '@jest/globals';
import type { MembraneClient } from '@membranehq/sdk';

/**
 * A fixed list of the calls a typical app makes with Membrane's SDK
 * (`@membranehq/sdk`) against an instance, in the order it makes them, each
 * with what it must get: `works` (and the result is checked) or
 * `not supported` (the call fails with `501` problem+json,
 * `code: "not_supported"`). It drives
 * `membrane-compat/membrane-sdk-compat.int-spec.ts` and is the source of the
 * compatibility table in the README (compatibilityTable), which that test
 * keeps equal to it.
 */

export type Caller = 'admin' | 'tenant';
export type Outcome = 'works' | 'not supported';

/** What the calls share: one admin SDK, one tenant SDK (a token it signs itself), and what earlier calls made. */
export interface CallContext {
  admin: MembraneClient;
  tenant: MembraneClient;
  /** The tenant's internalId (its `tenantKey`). */
  tenantKey: string;
  /** Ids and cursors that earlier calls found, by name. */
  saved: Record<string, any>;
}

export interface SdkCall {
  /** The call as an app writes it (`sdk.` left out). */
  call: string;
  as: Caller;
  outcome: Outcome;
  run(sdk: MembraneClient, context: CallContext): Promise<unknown>;
  /** For `works`: what the result must be (throws if not). */
  check?(result: any, context: CallContext): void;
}

// The SDK's request types describe Membrane's own fields; ours carry what API.md says.
const untyped = (value: unknown) => value as never;

const works = (as: Caller, call: string, run: SdkCall['run'], check?: SdkCall['check']): SdkCall => ({
  call,
  as,
  outcome: 'works',
  run,
  check,
});
const notSupported = (as: Caller, call: string, run: SdkCall['run']): SdkCall => ({
  call,
  as,
  outcome: 'not supported',
  run,
});

const ELEMENT_KINDS = [
  { list: 'actions', one: 'action' },
  { list: 'flows', one: 'flow' },
  { list: 'fieldMappings', one: 'fieldMapping' },
  { list: 'dataSources', one: 'dataSource' },
] as const;

/** Every element accessor, as admin (the template) and as tenant (its customisation). */
function elementCalls({ list, one }: (typeof ELEMENT_KINDS)[number]): SdkCall[] {
  const key = `compat-${one}`;
  const lists = (sdk: MembraneClient) => sdk[list] as any;
  const element = (sdk: MembraneClient, selector: string | { key: string }) => (sdk as any)[one](selector);
  return [
    works(
      'admin',
      `${list}.create({ key, name, definition })`,
      (sdk) =>
        lists(sdk).create({ key, name: `Compat ${one}`, definition: { greeting: 'Hi {tenant.name}', steps: [1] } }),
      (result) => expect(result).toMatchObject({ key, revision: 1, isCustomized: false }),
    ),
    works(
      'admin',
      `${list}.find()`,
      (sdk) => lists(sdk).find(),
      (result) => expect(result.items.map((item: any) => item.key)).toContain(key),
    ),
    works(
      'admin',
      `${one}(key).get()`,
      (sdk) => element(sdk, key).get(),
      (result) => expect(result).toMatchObject({ key, definition: { greeting: 'Hi {tenant.name}' } }),
    ),
    works(
      'admin',
      `${one}(key).put({ definition })`,
      (sdk) => element(sdk, key).put(untyped({ definition: { greeting: 'Hello {tenant.name}', steps: [1, 2] } })),
      (result) => expect(result).toMatchObject({ revision: 2, definition: { greeting: 'Hello {tenant.name}' } }),
    ),
    works(
      'admin',
      `${one}(key).patch({ definition })`,
      (sdk) => element(sdk, key).patch(untyped({ definition: { extra: true } })),
      (result) =>
        expect(result).toMatchObject({
          revision: 3,
          definition: { greeting: 'Hello {tenant.name}', steps: [1, 2], extra: true },
        }),
    ),
    works(
      'admin',
      `${one}(key).archive()`,
      (sdk) => element(sdk, key).archive(),
      (result) => expect(result).toBeUndefined(),
    ),
    works(
      'admin',
      `${one}(key).restore()`,
      (sdk) => element(sdk, key).restore(),
      (result) => expect(result).toMatchObject({ key, archivedAt: null }),
    ),
    works(
      'tenant',
      `${list}.findAll()`,
      (sdk) => lists(sdk).findAll(),
      (result) =>
        expect(result.find((item: any) => item.key === key)).toMatchObject({
          definition: { greeting: 'Hello Compat Tenant' },
        }),
    ),
    works(
      'tenant',
      `${one}({ key }).get()`,
      (sdk) => element(sdk, { key }).get(),
      (result) => expect(result).toMatchObject({ key, revision: 3, isCustomized: false }),
    ),
    works(
      'tenant',
      `${one}(key).patch({ definition })`,
      (sdk) => element(sdk, key).patch(untyped({ definition: { greeting: 'Mine', extra: null } })),
      (result) => expect(result).toMatchObject({ isCustomized: true, definition: { greeting: 'Mine', steps: [1, 2] } }),
    ),
    works(
      'tenant',
      `${one}(key).get()`,
      (sdk) => element(sdk, key).get(),
      (result) => {
        expect(result).toMatchObject({ isCustomized: true, definition: { greeting: 'Mine' } });
        expect(result.definition).not.toHaveProperty('extra');
      },
    ),
    works(
      'tenant',
      `${one}(key).reset()`,
      (sdk) => element(sdk, key).reset(),
      (result) => expect(result).toMatchObject({ isCustomized: false, definition: { extra: true } }),
    ),
    works(
      'tenant',
      `${one}({ key }).patch({ definition })`,
      (sdk) => element(sdk, { key }).patch(untyped({ definition: { steps: [] } })),
      (result) => expect(result).toMatchObject({ isCustomized: true, definition: { steps: [] } }),
    ),
    works(
      'tenant',
      `${one}({ key }).reset()`,
      (sdk) => element(sdk, { key }).reset(),
      (result) => expect(result).toMatchObject({ isCustomized: false, definition: { steps: [1, 2] } }),
    ),
    works(
      'admin',
      `${one}({ key }).patch({ name })`,
      (sdk) => element(sdk, { key }).patch(untyped({ name: `Compat ${one}, renamed` })),
      (result) => expect(result).toMatchObject({ revision: 4, name: `Compat ${one}, renamed` }),
    ),
    works(
      'admin',
      `${one}({ key }).put({ definition })`,
      (sdk) => element(sdk, { key }).put(untyped({ definition: { greeting: 'Hi' } })),
      (result) => expect(result).toMatchObject({ revision: 5, definition: { greeting: 'Hi' } }),
    ),
    works(
      'admin',
      `${one}({ key }).archive()`,
      (sdk) => element(sdk, { key }).archive(),
      (result) => expect(result).toBeUndefined(),
    ),
    works(
      'admin',
      `${one}({ key }).restore()`,
      (sdk) => element(sdk, { key }).restore(),
      (result) => expect(result).toMatchObject({ key, archivedAt: null }),
    ),
  ];
}

export const SDK_CALLS: readonly SdkCall[] = [
  // The tenant itself.
  works(
    'tenant',
    'self.get()',
    (sdk) => sdk.self.get(),
    (result, { tenantKey, saved }) => {
      expect(result).toMatchObject({ internalId: tenantKey, hasCredentials: false });
      saved['tenantId'] = result.id;
    },
  ),
  works(
    'tenant',
    'self.patch({ name, fields })',
    (sdk) => sdk.self.patch(untyped({ name: 'Compat Tenant', fields: { plan: 'pro' } })),
    (result) => expect(result).toMatchObject({ name: 'Compat Tenant', fields: { plan: 'pro' } }),
  ),

  // Customers (tenants), as the admin manages them.
  works(
    'admin',
    'customers.create({ internalId, name })',
    (sdk) => sdk.customers.create({ internalId: 'compat-1', name: 'One' }),
    (result, { saved }) => {
      expect(result).toMatchObject({ internalId: 'compat-1', name: 'One' });
      saved['customerId'] = result.id;
    },
  ),
  works(
    'admin',
    'customers.create({ internalId, name, fields })',
    (sdk) => sdk.customers.create(untyped({ internalId: 'compat-2', name: 'Two', fields: { plan: 'free' } })),
    (result) => expect(result).toMatchObject({ internalId: 'compat-2', fields: { plan: 'free' } }),
  ),
  works(
    'admin',
    "customers.find({ search: 'compat-', limit: 1 })",
    (sdk) => sdk.customers.find({ search: 'compat-', limit: 1 }),
    (result, { saved }) => {
      expect(result.items).toHaveLength(1);
      expect(result.cursor).toEqual(expect.any(String));
      saved['customerCursor'] = result.cursor;
    },
  ),
  works(
    'admin',
    "customers.find({ search: 'compat-', limit: 1, cursor })",
    (sdk, { saved }) => sdk.customers.find({ search: 'compat-', limit: 1, cursor: saved['customerCursor'] }),
    (result) => expect(result.items).toHaveLength(1),
  ),
  works(
    'admin',
    'customers.find({ internalId })',
    (sdk) => sdk.customers.find(untyped({ internalId: 'compat-2' })),
    (result) => expect(result.items.map((item: any) => item.name)).toEqual(['Two']),
  ),
  works(
    'admin',
    'customer({ internalId }).patch({ isTest: true })',
    (sdk) => sdk.customer(untyped({ internalId: 'compat-2' })).patch(untyped({ isTest: true })),
    (result) => expect(result).toMatchObject({ internalId: 'compat-2', isTest: true }),
  ),
  works(
    'admin',
    "customers.find({ search: 'compat-', isTest: true })",
    (sdk) => sdk.customers.find({ search: 'compat-', isTest: true }),
    (result) => expect(result.items.map((item: any) => item.internalId)).toEqual(['compat-2']),
  ),
  works(
    'admin',
    "customers.find({ search: 'compat-', isTest: false })",
    (sdk) => sdk.customers.find({ search: 'compat-', isTest: false }),
    (result) => {
      // The SDK test's own tenant (compat-tenant) matches the search too.
      const found = result.items.map((item: any) => item.internalId);
      expect(found).toContain('compat-1');
      expect(found).not.toContain('compat-2');
    },
  ),
  works(
    'admin',
    'customers.find({ isActive: true })',
    (sdk) => sdk.customers.find({ isActive: true }),
    (result, { tenantKey }) => {
      // Only the tenant whose token made requests: the admin's customers have made none.
      expect(result.items.map((item: any) => item.internalId)).toEqual([tenantKey]);
      expect(result.items[0]).toMatchObject({ isActive: true, lastActiveAt: expect.any(String) });
    },
  ),
  works(
    'admin',
    'customers.find({ isActive: false })',
    (sdk) => sdk.customers.find({ isActive: false }),
    (result) => expect(result.items.map((item: any) => item.internalId).sort()).toEqual(['compat-1', 'compat-2']),
  ),
  works(
    'admin',
    'customers.findAll()',
    (sdk) => sdk.customers.findAll(),
    (result, { tenantKey }) =>
      expect(result.map((item: any) => item.internalId)).toEqual(
        expect.arrayContaining(['compat-1', 'compat-2', tenantKey]),
      ),
  ),
  works(
    'admin',
    'customer(id).get()',
    (sdk, { saved }) => sdk.customer(saved['customerId']).get(),
    (result) => expect(result).toMatchObject({ internalId: 'compat-1' }),
  ),
  works(
    'admin',
    'customer({ internalId }).get()',
    (sdk) => sdk.customer(untyped({ internalId: 'compat-1' })).get(),
    (result, { saved }) => expect(result.id).toBe(saved['customerId']),
  ),
  works(
    'admin',
    'customer(id).patch({ name })',
    (sdk, { saved }) => sdk.customer(saved['customerId']).patch({ name: 'One, renamed' }),
    (result) => expect(result).toMatchObject({ name: 'One, renamed' }),
  ),
  works(
    'admin',
    'customer({ internalId }).put({ internalId, name })',
    (sdk) => sdk.customer(untyped({ internalId: 'compat-1' })).put({ internalId: 'compat-1', name: 'One, replaced' }),
    (result) => expect(result).toMatchObject({ name: 'One, replaced' }),
  ),
  works(
    'admin',
    'customer(id).archive()',
    (sdk, { saved }) => sdk.customer(saved['customerId']).archive(),
    (result) => expect(result).toBeUndefined(),
  ),
  works(
    'admin',
    'customers.find({ internalId, includeArchived: true })',
    (sdk) => sdk.customers.find(untyped({ internalId: 'compat-1', includeArchived: true })),
    (result) => expect(result.items[0].archivedAt).toEqual(expect.any(String)),
  ),
  works(
    'admin',
    'customer(id).restore()',
    (sdk, { saved }) => sdk.customer(saved['customerId']).restore(),
    (result) => expect(result).toMatchObject({ archivedAt: null }),
  ),

  // Integrations: the admin keeps them; any token reads them.
  works(
    'admin',
    'integrations.create({ key, name, authType })',
    (sdk) => sdk.integrations.create(untyped({ key: 'compat-crm', name: 'CRM', authType: 'api-key' })),
    (result, { saved }) => {
      expect(result).toMatchObject({ key: 'compat-crm', name: 'CRM' });
      saved['integrationId'] = result.id;
    },
  ),
  works(
    'admin',
    'integrations.find({ limit })',
    (sdk) => sdk.integrations.find({ limit: 10 }),
    (result) => expect(result.items.map((item: any) => item.key)).toContain('compat-crm'),
  ),
  works(
    'admin',
    'integration(id).patch({ name })',
    (sdk, { saved }) => sdk.integration(saved['integrationId']).patch(untyped({ name: 'CRM, renamed' })),
    (result) => expect(result).toMatchObject({ name: 'CRM, renamed' }),
  ),
  works(
    'admin',
    'integrations.create({ key, name, authType }) (a second one)',
    (sdk) => sdk.integrations.create(untyped({ key: 'compat-erp', name: 'ERP', authType: 'api-key' })),
    (result) => expect(result).toMatchObject({ key: 'compat-erp' }),
  ),
  works(
    'admin',
    'integration(key).archive()',
    (sdk) => sdk.integration('compat-erp').archive(),
    (result) => expect(result).toBeUndefined(),
  ),
  works(
    'admin',
    'integration(key).restore()',
    (sdk) => sdk.integration('compat-erp').restore(),
    (result) => expect(result).toMatchObject({ key: 'compat-erp', archivedAt: null }),
  ),
  works(
    'tenant',
    'integrations.findAll()',
    (sdk) => sdk.integrations.findAll(),
    (result) =>
      expect(result.map((item: any) => item.key)).toEqual(expect.arrayContaining(['compat-crm', 'compat-erp'])),
  ),
  works(
    'tenant',
    'integration(key).get()',
    (sdk) => sdk.integration('compat-crm').get(),
    (result) => {
      expect(result).toMatchObject({ key: 'compat-crm', name: 'CRM, renamed' });
      expect(result).not.toHaveProperty('clientSecret');
    },
  ),

  // Connections: the tenant's own.
  works(
    'tenant',
    'connections.create({ integrationKey, name, credentials })',
    (sdk) =>
      sdk.connections.create(
        untyped({ integrationKey: 'compat-crm', name: 'My CRM', credentials: { apiKey: 'secret' } }),
      ),
    (result, { saved }) => {
      expect(result).toMatchObject({ integrationKey: 'compat-crm', name: 'My CRM', hasCredentials: true });
      expect(result).not.toHaveProperty('credentials');
      saved['connectionId'] = result.id;
    },
  ),
  works(
    'tenant',
    'connections.find()',
    (sdk) => sdk.connections.find(),
    (result, { saved }) => expect(result.items.map((item: any) => item.id)).toEqual([saved['connectionId']]),
  ),
  works(
    'tenant',
    'connections.find({ integrationKey })',
    (sdk) => sdk.connections.find(untyped({ integrationKey: 'compat-erp' })),
    (result) => expect(result.items).toEqual([]),
  ),
  works(
    'tenant',
    "connections.find({ integrationKey: 'compat-crm', connected: true })",
    (sdk) => sdk.connections.find({ integrationKey: 'compat-crm', connected: true }),
    (result, { saved }) => expect(result.items.map((item: any) => item.id)).toEqual([saved['connectionId']]),
  ),
  works(
    'tenant',
    'connections.find({ connected: false })',
    (sdk) => sdk.connections.find({ connected: false }),
    (result) => expect(result.items).toEqual([]),
  ),
  works(
    'tenant',
    'connection(id).get()',
    (sdk, { saved }) => sdk.connection(saved['connectionId']).get(),
    (result) => expect(result).toMatchObject({ name: 'My CRM', disconnected: false }),
  ),
  works(
    'tenant',
    'connection(id).patch({ name })',
    (sdk, { saved }) => sdk.connection(saved['connectionId']).patch(untyped({ name: 'My CRM, renamed' })),
    (result) => expect(result).toMatchObject({ name: 'My CRM, renamed' }),
  ),
  works(
    'tenant',
    'connection(id).put({ name, credentials })',
    (sdk, { saved }) =>
      sdk.connection(saved['connectionId']).put(untyped({ name: 'My CRM, replaced', credentials: { apiKey: 'new' } })),
    (result) => expect(result).toMatchObject({ name: 'My CRM, replaced' }),
  ),
  works(
    'admin',
    'connections.find({ tenantId })',
    (sdk, { saved }) => sdk.connections.find(untyped({ tenantId: saved['tenantId'] })),
    (result, { saved }) => expect(result.items.map((item: any) => item.id)).toEqual([saved['connectionId']]),
  ),
  works(
    'admin',
    'connection(id).get({ includeSecrets: true })',
    (sdk, { saved }) => sdk.connection(saved['connectionId']).get(untyped({ includeSecrets: true })),
    (result) => expect(result).toMatchObject({ credentials: { apiKey: 'new' } }),
  ),

  ...ELEMENT_KINDS.flatMap(elementCalls),

  // Event subscriptions: Membrane's appEventSubscriptions are our /event-subscriptions.
  works(
    'tenant',
    'appEventSubscription(…).create({ eventType, webhookUri })',
    (sdk) =>
      sdk
        .appEventSubscription(untyped(undefined))
        .create(untyped({ eventType: 'tenant.archived', webhookUri: 'http://127.0.0.1:9/hook' })),
    (result, { saved }) => {
      expect(result).toMatchObject({ eventType: 'tenant.archived', tenantId: saved['tenantId'] });
      saved['subscriptionId'] = result.id;
    },
  ),
  works(
    'tenant',
    'appEventSubscriptions.find()',
    (sdk) => sdk.appEventSubscriptions.find(),
    (result, { saved }) => expect(result.items.map((item: any) => item.id)).toEqual([saved['subscriptionId']]),
  ),
  works(
    'tenant',
    'appEventSubscription(id).get()',
    (sdk, { saved }) => sdk.appEventSubscription(saved['subscriptionId']).get(),
    (result) => expect(result).toMatchObject({ webhookUri: 'http://127.0.0.1:9/hook' }),
  ),
  works(
    'admin',
    'appEventSubscriptions.find({ tenantId })',
    (sdk, { saved }) => sdk.appEventSubscriptions.find(untyped({ tenantId: saved['tenantId'] })),
    (result, { saved }) => expect(result.items.map((item: any) => item.id)).toEqual([saved['subscriptionId']]),
  ),
  works(
    'tenant',
    'appEventSubscription(id).archive()',
    (sdk, { saved }) => sdk.appEventSubscription(saved['subscriptionId']).archive(),
    (result) => expect(result).toBeFalsy(),
  ),

  // Activity logs: the SDK has no accessor; its client reads the path.
  works(
    'tenant',
    "get('activity-logs', { limit })",
    (sdk) => sdk.get('activity-logs', { limit: 100 }),
    (result) =>
      expect(result.items.map((item: any) => item.type)).toEqual(expect.arrayContaining(['element.customized'])),
  ),
  works(
    'admin',
    "get('activity-logs', { tenantId })",
    (sdk, { saved }) => sdk.get('activity-logs', { tenantId: saved['tenantId'] }),
    (result) => expect(result.items.length).toBeGreaterThan(0),
  ),

  // What a control plane does not run: 501 not_supported.
  notSupported('tenant', 'action(key).run(input)', (sdk) => sdk.action('compat-action').run({ id: 1 })),
  notSupported('tenant', 'actionInstances.find()', (sdk) => sdk.actionInstances.find()),
  notSupported('tenant', 'flowRuns.find()', (sdk) => sdk.flowRuns.find({})),
  notSupported('tenant', 'flowRun(id).get()', (sdk) => sdk.flowRun('00000000-0000-4000-8000-000000000000').get()),
  notSupported('tenant', 'flowInstances.find()', (sdk) => sdk.flowInstances.find()),
  notSupported('tenant', 'flowInstance(id).get()', (sdk) => sdk.flowInstance('x').get()),
  notSupported('tenant', 'fieldMappingInstances.find()', (sdk) => sdk.fieldMappingInstances.find()),
  notSupported('tenant', 'dataSourceInstance(id).listRecords()', (sdk) => sdk.dataSourceInstance('x').listRecords()),
  notSupported('tenant', 'dataSource(key).setup()', (sdk) => sdk.dataSource('compat-dataSource').setup()),
  notSupported('tenant', "connection(id).request('/users')", (sdk, { saved }) =>
    sdk.connection(saved['connectionId']).request('/users'),
  ),
  notSupported('tenant', "connection(id).proxy.get('/users')", (sdk, { saved }) =>
    sdk.connection(saved['connectionId']).proxy.get('/users'),
  ),
  notSupported('tenant', 'connection(id).operation(key).run()', (sdk, { saved }) =>
    sdk.connection(saved['connectionId']).operation('list-users').run(),
  ),
  notSupported('tenant', 'connection(id).dataCollection(key).list()', (sdk, { saved }) =>
    sdk.connection(saved['connectionId']).dataCollection('contacts').list(),
  ),
  notSupported('tenant', 'connection(id).refreshCredentials()', (sdk, { saved }) =>
    sdk.connection(saved['connectionId']).refreshCredentials(),
  ),
  notSupported('tenant', 'connection(id).reconnect()', (sdk, { saved }) =>
    sdk.connection(saved['connectionId']).reconnect(),
  ),
  notSupported('tenant', 'integration(key).connect()', (sdk) => sdk.integration('compat-crm').connect()),
  notSupported('tenant', 'connection(id).flow(key).enable()', (sdk, { saved }) =>
    sdk.connection(saved['connectionId']).flow('compat-flow').enable(),
  ),
  notSupported('tenant', 'integration(key).actions.list()', (sdk) => sdk.integration('compat-crm').actions.list()),
  notSupported('tenant', 'externalEventSubscriptions().find()', (sdk) => sdk.externalEventSubscriptions().find()),
  notSupported('tenant', 'appEventSubscription(id).subscribe()', (sdk) =>
    sdk.appEventSubscription('00000000-0000-4000-8000-000000000000').subscribe(),
  ),
  notSupported('admin', 'screens.find()', (sdk) => sdk.screens.find()),
  notSupported('admin', 'packages.find()', (sdk) => sdk.packages.find()),
];

/** The README's compatibility table: one row per call, in the list's order. */
export function compatibilityTable(calls: readonly SdkCall[] = SDK_CALLS): string {
  const rows = calls.map(
    ({ call, as, outcome }) =>
      `| \`${call.replace(/\|/g, '\\|')}\` | ${as} | ${outcome === 'works' ? 'works' : '501 `not_supported`'} |`,
  );
  return ['| SDK call | As | Answer |', '|---|---|---|', ...rows].join('\n');
}
