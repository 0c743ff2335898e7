import { readFileSync, writeFileSync } from 'node:fs';

import { routesOf } from '@switchboard/server';

import { AccessCatalog } from '../../apps/hub/src/auth/access-catalog.js';
import { type HubHarness, startHub } from '../../apps/hub/test/hub-harness.js';
import { type InstanceHarness, startInstance } from '../../apps/instance/test/instance-harness.js';
import { FIXTURE_KEYS } from '../../apps/instance/test/workspace-fixture.js';

/** Served by the platform itself, outside the API description. */
const OPERATIONAL = /^\/(healthz|readyz|metrics|openapi\.json|openapi\.yaml|docs)(\/|$)/;
const SNAPSHOT = new URL('./routes.snapshot.txt', import.meta.url);

/**
 * Every route of both services with its auth rule, compared with a committed
 * snapshot: a change of who can reach what shows up in review. A route that
 * the OpenAPI description does not document fails here too.
 * (UPDATE_ROUTE_SNAPSHOT=1 rewrites the snapshot.)
 */
describe('routes and their auth rules', () => {
  let hub: HubHarness;
  let instance: InstanceHarness;

  beforeAll(async () => {
    hub = await startHub();
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
  });

  afterAll(async () => {
    await instance?.close();
    await hub?.close();
  });

  const describeService = async (name: string, app: { url: string; app: object }) => {
    const document = (await (await fetch(`${app.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const documented = new Map<string, string>();
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        documented.set(`${method.toUpperCase()} ${path}`, operation.security?.length ? 'bearer' : 'public');
      }
    }
    const served = routesOf(app.app)
      .filter((route) => route.method !== 'HEAD' && route.method !== 'OPTIONS' && !OPERATIONAL.test(route.url))
      // A final `*` (the rest of the path) is documented as `{path}`, as @nestjs/swagger writes it.
      .map((route) => `${route.method} ${route.url.replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{path}')}`);
    return { name, documented, served: [...new Set(served)].sort() };
  };

  /** The Hub's rules as its routes declare them (@Access or @Public), the metadata its AccessGuard enforces. */
  const declaredOnHub = (): Map<string, string> =>
    new Map(
      hub.app
        .get(AccessCatalog)
        .list()
        .map((route) => [
          `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`,
          route.access === 'public' ? 'public' : 'bearer',
        ]),
    );

  it('documents every route, and every documented route requires a token', async () => {
    const services = [await describeService('hub', hub), await describeService('instance', instance)];
    const declared = declaredOnHub();
    const lines: string[] = [];
    for (const service of services) {
      const undocumented = service.served.filter((route) => !service.documented.has(route));
      expect({ service: service.name, undocumented }).toEqual({ service: service.name, undocumented: [] });
      for (const route of service.served) {
        const rule = service.name === 'hub' ? declared.get(route) : service.documented.get(route);
        // What the Hub declares is what it documents.
        if (service.name === 'hub') expect(`${route} ${rule}`).toBe(`${route} ${service.documented.get(route)}`);
        lines.push(`${service.name} ${route} ${rule}`);
      }
    }
    // Deny by default: no API route is public.
    expect(lines.filter((line) => line.endsWith(' public'))).toEqual([]);
    const snapshot = `${lines.join('\n')}\n`;
    if (process.env['UPDATE_ROUTE_SNAPSHOT'] === '1') writeFileSync(SNAPSHOT, snapshot);
    expect(snapshot).toBe(readFileSync(SNAPSHOT, 'utf8'));
  });

  it('refuses every route without a token', async () => {
    for (const [app, routes] of [
      [hub, routesOf(hub.app)],
      [instance, routesOf(instance.app)],
    ] as const) {
      for (const route of routes) {
        if (route.method === 'HEAD' || route.method === 'OPTIONS' || OPERATIONAL.test(route.url)) continue;
        const url = route.url.replace(/:(\w+)/g, '00000000-0000-4000-8000-000000000000');
        const response = await fetch(`${app.url}${url}`, { method: route.method });
        expect({ route: `${route.method} ${route.url}`, status: response.status }).toEqual({
          route: `${route.method} ${route.url}`,
          status: 401,
        });
      }
    }
  });
});
