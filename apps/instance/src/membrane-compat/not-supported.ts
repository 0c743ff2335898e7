/**
 * Membrane API routes that Switchboard does not serve, in one table: each
 * answers `501` problem+json with `code: "not_supported"` and a `detail` that
 * names the feature, after authentication (no token → 401), so that a
 * Membrane client learns that a feature is not offered rather than meeting a
 * bare 404 that reads as a broken server. The paths are the ones
 * `@membranehq/sdk` 0.28 calls (its accessors' `getPath`, `uri` and
 * `client.get/post/…` calls); `:name` is a path parameter, `*` the rest of
 * the path. Where a parameter may take only some values (`only`), any other
 * is a 404, as for any route that does not exist.
 */

export type NotSupportedMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface NotSupportedRoute {
  method: NotSupportedMethod;
  /** Fastify's syntax: `:name` parameters, a final `*` for the rest of the path. */
  path: string;
  /** The feature, as the detail and the documentation name it. */
  feature: string;
  /** The problem's `detail`: one sentence that names the feature and says what to do instead, if anything. */
  detail: string;
  /** The SDK calls that reach this route. */
  sdk: string;
  /** Values a path parameter may take for this route to answer 501 rather than 404. */
  only?: Record<string, readonly string[]>;
}

interface Feature {
  feature: string;
  detail: string;
  routes: [route: `${NotSupportedMethod} /${string}`, sdk: string, only?: Record<string, readonly string[]>][];
}

const NOT_RUN =
  'Switchboard is a control plane: it keeps tenants, connections and elements, and runs nothing against external apps.';
const ELEMENT_TYPES = ['actions', 'flows', 'data-sources', 'field-mappings'] as const;

/** The routes of an element kind Switchboard does not keep, as ElementListAccessor and ElementAccessor call them. */
function elementRoutes(plural: string, singular: string, list: string, one: string): Feature['routes'] {
  return [
    [`GET /${plural}`, `${list}.find(), ${list}.findAll()`],
    [`POST /${plural}`, `${list}.create()`],
    [`GET /${plural}/:key`, `${one}(key).get()`],
    [`PUT /${plural}/:key`, `${one}(key).put()`],
    [`PATCH /${plural}/:key`, `${one}(key).patch()`],
    [`DELETE /${plural}/:key`, `${one}(key).archive()`],
    [`POST /${plural}/:key/restore`, `${one}(key).restore()`],
    [`GET /${singular}`, `${one}({ key }).get()`],
  ];
}

/** The routes of an element instance kind, as ElementInstanceListAccessor and ElementInstanceAccessor call them. */
function instanceRoutes(plural: string, singular: string, list: string, one: string): Feature['routes'] {
  return [
    [`GET /${plural}`, `${list}.find()`],
    [`GET /${singular}`, `${one}(selector).get()`],
    [`POST /${singular}`, `${one}(selector).create()`],
    [`PUT /${singular}`, `${one}(selector).put()`],
    [`PATCH /${singular}`, `${one}(selector).patch()`],
    [`DELETE /${singular}`, `${one}(selector).archive(), .delete()`],
    [`POST /${singular}/*`, `${one}(selector).restore(), .setup(), .reset(), …`],
  ];
}

const FEATURES: Feature[] = [
  {
    feature: 'Action runs',
    detail: `Running actions is not part of Switchboard. ${NOT_RUN}`,
    routes: [
      ['POST /actions/:key/run', 'action(key).run()'],
      ['POST /action/run', 'action({ key }).run()'],
    ],
  },
  {
    feature: 'Action instances',
    detail: `Action instances are not part of Switchboard: a tenant customises an action with PATCH /actions/{key}. ${NOT_RUN}`,
    routes: instanceRoutes('action-instances', 'action-instance', 'actionInstances', 'actionInstance'),
  },
  {
    feature: 'Flow runs',
    detail: `Flow runs are not part of Switchboard. ${NOT_RUN}`,
    routes: [
      ['GET /flow-runs', 'flowRuns.find()'],
      ['POST /flow-runs', 'flowRuns.create(), flowInstance(id).startRun(), .run()'],
      ['GET /flow-runs/:id', 'flowRun(id).get()'],
      ['GET /flow-runs/:id/*', 'flowRun(id).getOutput(), .getNodeRuns(), .getNodeOutputs(), …'],
      ['POST /flow-runs/:id/stop', 'flowRun(id).stop()'],
    ],
  },
  {
    feature: 'Flow instances',
    detail: `Flow instances are not part of Switchboard: a tenant customises a flow with PATCH /flows/{key}. ${NOT_RUN}`,
    routes: [
      ...instanceRoutes('flow-instances', 'flow-instance', 'flowInstances', 'flowInstance'),
      ['POST /flow-instances', 'flowInstances.create()'],
      ['POST /flow-instances/:id/*', 'flowInstance(id).setup(), .reset(), .updateToLatestFlow()'],
    ],
  },
  {
    feature: 'Field mapping instances',
    detail:
      'Field mapping instances are not part of Switchboard: a tenant customises a field mapping with PATCH /field-mappings/{key}.',
    routes: [
      ...instanceRoutes(
        'field-mapping-instances',
        'field-mapping-instance',
        'fieldMappingInstances',
        'fieldMappingInstance',
      ),
      ['POST /field-mapping-instances/:id/*', 'fieldMappingInstance(id).setup(), .reset()'],
    ],
  },
  {
    feature: 'Data source instances',
    detail: `Data source instances and their collections are not part of Switchboard: a tenant customises a data source with PATCH /data-sources/{key}. ${NOT_RUN}`,
    routes: [
      ...instanceRoutes('data-source-instances', 'data-source-instance', 'dataSourceInstances', 'dataSourceInstance'),
      ['GET /data-source-instance/collection', 'dataSourceInstance(selector).getCollection()'],
    ],
  },
  {
    feature: 'Element setup against an external app',
    detail: `Setting elements up against an external app (setup, app schemas) is not part of Switchboard. ${NOT_RUN}`,
    routes: [
      ['POST /data-sources/:key/setup', 'dataSource(key).setup()'],
      ['POST /data-source/setup', 'dataSource({ key }).setup()'],
      ['POST /field-mappings/:key/setup', 'fieldMapping(key).setup()'],
      ['POST /field-mapping/setup', 'fieldMapping({ key }).setup()'],
      ['GET /field-mappings/:key/app-schema', 'fieldMapping(key).getAppSchema()'],
      ['GET /field-mapping/app-schema', 'fieldMapping({ key }).getAppSchema()'],
    ],
  },
  {
    feature: 'Connection requests',
    detail: `Requests through a connection (request, proxy, operations, data collections) are not part of Switchboard. ${NOT_RUN}`,
    routes: [
      ['POST /connections/:id/api/*', 'connection(id).request()'],
      ['GET /connections/:id/proxy/*', 'connection(id).proxy.get()'],
      ['POST /connections/:id/proxy/*', 'connection(id).proxy.post()'],
      ['PUT /connections/:id/proxy/*', 'connection(id).proxy.put()'],
      ['PATCH /connections/:id/proxy/*', 'connection(id).proxy.patch()'],
      ['DELETE /connections/:id/proxy/*', 'connection(id).proxy.delete()'],
      ['POST /connections/:id/execute-request', 'connectionRequest(id, …)'],
      ['GET /connections/:id/operations/:key', 'connection(id).operation(key).get()'],
      ['POST /connections/:id/operations/:key/run', 'connection(id).operation(key).run()'],
      ['GET /connections/:id/data/:key', 'connection(id).dataCollection(key).get()'],
      ['POST /connections/:id/data/:key/*', 'connection(id).dataCollection(key).list(), .search(), .create(), …'],
    ],
  },
  {
    feature: 'Refreshing credentials',
    detail:
      "Refreshing a connection's credentials is not part of Switchboard: set new ones with PATCH /connections/{id} {credentials}.",
    routes: [['POST /connections/:id/refresh-credentials', 'connection(id).refreshCredentials()']],
  },
  {
    feature: 'Connecting through Membrane’s connection UI',
    detail:
      "Connecting and reconnecting through Membrane's connection UI is not part of Switchboard: create a connection with POST /connections {integrationKey, credentials} and change it with PATCH /connections/{id}.",
    routes: [
      ['POST /connection-options', 'connect(), integration(key).connect(), connection(id).reconnect()'],
      ['POST /connect', 'the connection popup of connect()'],
    ],
  },
  {
    feature: 'Connection-level elements',
    detail:
      'Connection-level elements are not part of Switchboard: elements are workspace templates that each tenant customises (GET and PATCH /{type}/{key}).',
    routes: [
      [
        'GET /connections/:id/:elementType',
        'connection(id).actions.list(), .flows.list(), …',
        { elementType: ELEMENT_TYPES },
      ],
      ['GET /connections/:id/:elementType/:key', 'connection(id).action(key).get(), …', { elementType: ELEMENT_TYPES }],
      [
        'PUT /connections/:id/:elementType/:key',
        'connection(id).flow(key).create(), .put()',
        { elementType: ELEMENT_TYPES },
      ],
      [
        'PATCH /connections/:id/:elementType/:key',
        'connection(id).flow(key).patch(), .enable(), …',
        { elementType: ELEMENT_TYPES },
      ],
      [
        'DELETE /connections/:id/:elementType/:key',
        'connection(id).flow(key).archive()',
        { elementType: ELEMENT_TYPES },
      ],
      [
        'POST /connections/:id/:elementType/:key/*',
        'connection(id).action(key).run(), .reset(), .setup()',
        { elementType: ELEMENT_TYPES },
      ],
    ],
  },
  {
    feature: 'Integration-level elements',
    detail:
      'Integration-level elements are not part of Switchboard: elements are workspace templates that each tenant customises (GET and PATCH /{type}/{key}).',
    routes: [
      ['GET /integrations/:idOrKey/:elementType', 'integration(key).actions.list(), …', { elementType: ELEMENT_TYPES }],
      [
        'POST /integrations/:idOrKey/:elementType',
        'integration(key).actions.create(), …',
        { elementType: ELEMENT_TYPES },
      ],
      [
        'GET /integrations/:idOrKey/:elementType/:key',
        'integration(key).action(key).get(), …',
        { elementType: ELEMENT_TYPES },
      ],
      [
        'PUT /integrations/:idOrKey/:elementType/:key',
        'integration(key).action(key).put(), …',
        { elementType: ELEMENT_TYPES },
      ],
      [
        'PATCH /integrations/:idOrKey/:elementType/:key',
        'integration(key).action(key).patch(), …',
        { elementType: ELEMENT_TYPES },
      ],
      [
        'DELETE /integrations/:idOrKey/:elementType/:key',
        'integration(key).action(key).archive(), …',
        { elementType: ELEMENT_TYPES },
      ],
      [
        'POST /integrations/:idOrKey/:elementType/:key/reset',
        'integration(key).action(key).reset(), …',
        { elementType: ELEMENT_TYPES },
      ],
    ],
  },
  {
    feature: 'Connectors of integrations',
    detail: `Setup, operations and data collections of an integration are not part of Switchboard (its connector spec is: GET /integrations/{idOrKey}/connector-spec). ${NOT_RUN}`,
    routes: [
      ['POST /integrations/:idOrKey/setup', 'integration(key).setup()'],
      ['GET /integrations/:idOrKey/operations', 'integration(key).getOperations()'],
      ['GET /integrations/:idOrKey/operations/:key', 'integration(key).getOperation(key)'],
      ['GET /integrations/:idOrKey/data', 'integration(key).getDataCollections()'],
      ['GET /integrations/:idOrKey/data/:key', 'integration(key).getDataCollection(key)'],
    ],
  },
  {
    feature: 'External event subscriptions',
    detail: `Subscriptions to events of external apps are not part of Switchboard; a tenant subscribes to Switchboard's own events with POST /event-subscriptions. ${NOT_RUN}`,
    routes: [
      ['GET /external-event-subscriptions', 'externalEventSubscriptions().find()'],
      ['GET /external-event-subscriptions/:id', 'externalEventSubscription(id).get()'],
      ['POST /external-event-subscriptions/:id/*', 'externalEventSubscription(id).subscribe(), .pullEvents(), …'],
    ],
  },
  {
    feature: 'Changing an event subscription',
    detail:
      'Changing or re-subscribing an event subscription is not part of Switchboard: a subscription is live from its creation; delete it and create another to change it.',
    routes: [
      ['PUT /app-event-subscription', 'appEventSubscription(id).put()'],
      ['PATCH /app-event-subscription', 'appEventSubscription(id).patch()'],
      ['POST /app-event-subscription/subscribe', 'appEventSubscription(id).subscribe()'],
    ],
  },
  {
    feature: 'Screens',
    detail: 'Screens are not part of Switchboard: it serves an API and no embedded UI.',
    routes: elementRoutes('screens', 'screen', 'screens', 'screen'),
  },
  {
    feature: 'Packages',
    detail: 'Packages (scenarios) are not part of Switchboard: elements are kept one by one, as workspace templates.',
    routes: elementRoutes('packages', 'package', 'packages', 'package'),
  },
  {
    feature: 'Data link tables',
    detail: `Data link tables are not part of Switchboard. ${NOT_RUN}`,
    routes: [
      ['GET /data-link-tables', 'dataLinkTables.find()'],
      ['GET /data-link-tables/:key', 'dataLinkTable(key).get()'],
      ['GET /data-link-table-instances', 'dataLinkTableInstances.find()'],
      ['GET /data-link-table-instance', 'dataLinkTableInstance(selector).get()'],
    ],
  },
  {
    feature: 'App event types',
    detail:
      "App event types are not part of Switchboard: it sends its own events (tenant.created, connection.created, …) to the workspace's webhook and to event subscriptions.",
    routes: [
      ['GET /app-event-types', 'appEventTypes.find()'],
      ['GET /app-event-types/:key', 'appEventType(key).get()'],
    ],
  },
  {
    feature: 'App data schemas',
    detail:
      'App data schemas are not part of Switchboard: a workspace describes tenant fields with PUT /workspace/tenant-field-schema.',
    routes: [
      ['GET /app-data-schemas', 'appDataSchemas.find()'],
      ['GET /app-data-schemas/:key', 'appDataSchema(key).get()'],
      ['GET /app-data-schema-instances', 'appDataSchemaInstances.find()'],
      ['GET /app-data-schema-instance', 'appDataSchemaInstance(selector).get()'],
    ],
  },
];

/** The table, one row per route. */
export const NOT_SUPPORTED_ROUTES: readonly NotSupportedRoute[] = FEATURES.flatMap(({ feature, detail, routes }) =>
  routes.map(([route, sdk, only]) => {
    const [method, path] = route.split(' ') as [NotSupportedMethod, string];
    return { method, path, feature, detail, sdk, ...(only ? { only } : {}) };
  }),
);
