import { randomUUID } from 'node:crypto';

import fc from 'fast-check';

import { HubFixtures, json } from '../../apps/hub/test/hub-fixtures.js';
import { type HubHarness, startHub } from '../../apps/hub/test/hub-harness.js';
import { type InstanceHarness, startInstance } from '../../apps/instance/test/instance-harness.js';
import { FIXTURE_KEYS, seedWorkspace, type WorkspaceFixture } from '../../apps/instance/test/workspace-fixture.js';

/** A fixed seed, so that a failure can be replayed: FUZZ_SEED=<seed> reruns the same requests. */
const SEED = Number(process.env['FUZZ_SEED'] ?? 20261129);
const CONCURRENCY = 4;
const MEGABYTE_STRING = 'x'.repeat(1_000_000);

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  nullable?: boolean;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses?: Record<string, unknown>;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

/** One request the fuzzer sends, and what it varied (for the failure report). */
interface FuzzCase {
  service: 'hub' | 'instance';
  method: string;
  path: string;
  query: string;
  token: string;
  contentType?: string;
  body?: string;
  varied: string;
  /** The operation documents a `501`: a Membrane route Switchboard does not serve (`not_supported`). */
  notSupported?: boolean;
}

/** Strings Postgres cannot store: NUL, and lone surrogates, alone or in random text. */
const withNul: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('\u0000', 'a\u0000b'),
  fc.string({ unit: 'binary', maxLength: 12 }).map((text) => `${text}\u0000${text}`),
);
const withLoneSurrogate: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('\ud800', 'x\udfffy', '\udc00\ud800'),
  fc.string({ unit: 'binary', maxLength: 12 }).map((text) => `\ud800${text}`),
  fc.string({ unit: 'binary', maxLength: 12 }).map((text) => `${text}\udfff`),
);

/**
 * Every other kind of value no route should answer with a 5xx: a 1 MB
 * string, odd strings, and every wrong JSON type (numbers for strings,
 * objects for arrays, null, arrays, booleans), objects with unstorable keys.
 */
const otherBadValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(MEGABYTE_STRING),
  fc.constantFrom('', ' ', '%00', '0', '-1', '1e2'),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e308, -1, 0, 2 ** 53, 1.5),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxLength: 3 }),
  fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), fc.oneof(fc.string({ unit: 'binary' }), fc.integer())),
  fc.constantFrom<unknown>({ ['k\u0000']: 1 }, { a: { ['\ud800']: 'v' } }, [{ ['\udfff']: [] }], {}, [], [[[]]]),
);

/** Per field: a NUL, a lone surrogate, an explicit null, and one other bad value. */
const badValuesForOneField: fc.Arbitrary<unknown[]> = fc.tuple(
  withNul,
  withLoneSurrogate,
  fc.constant(null),
  otherBadValue,
);

/** Strings for the URL: the same kinds, short enough to stay within the header size limit. */
const otherBadUrlValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' 5', '1e2', '0x10', '-0', '+5', '5.0', 'null', '[]', '99999999999999999999'),
  fc.constantFrom('..', 'a/b', '%', 'x'.repeat(600), 'x'.repeat(5000)),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.uuid(),
);
const badUrlValuesForOneParameter: fc.Arbitrary<string[]> = fc.tuple(withNul, withLoneSurrogate, otherBadUrlValue);

/**
 * Percent-encodes any string, lone surrogates included (encodeURIComponent
 * throws on them): a surrogate half becomes the three bytes a naive encoder
 * would write, which is not UTF-8, as an attacker would send them.
 */
function encodeAny(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (char.length === 1 && code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}

/** A value that passes the usual checks for a schema, so that one bad field at a time reaches validation. */
function plausible(schema: Schema | undefined, resolve: (schema: Schema) => Schema): unknown {
  if (!schema) return 'x';
  const resolved = resolve(schema);
  if (resolved.enum?.length) return resolved.enum[0];
  if (resolved.type === 'integer' || resolved.type === 'number') return 1;
  if (resolved.type === 'boolean') return false;
  if (resolved.type === 'array') return [];
  if (resolved.type === 'object') {
    const body: Record<string, unknown> = {};
    for (const name of resolved.required ?? []) body[name] = plausible(resolved.properties?.[name], resolve);
    return body;
  }
  if (resolved.format === 'uuid') return randomUUID();
  if (resolved.format === 'email') return `fuzz-${randomUUID()}@example.test`;
  if (resolved.format === 'uri') return 'https://example.com/hook';
  if (resolved.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
  return `fuzz-${randomUUID().slice(0, 8)}`;
}

/**
 * Never a 5xx, always problem+json (API.md, Conventions and "Trust
 * boundaries"): for every operation of both OpenAPI documents, bad values in
 * every body field, body key, query parameter and path parameter, a wrong
 * body type, a 2,000-deep array and a non-JSON body, sent with tokens that
 * reach validation (a platform admin who owns the org on the Hub; a workspace
 * admin and a tenant on the instance). A fixed seed makes a failure
 * replayable (printed with it).
 */
describe('every operation of both services, fuzzed from their OpenAPI documents', () => {
  let hub: HubHarness;
  let instance: InstanceHarness;
  let workspace: WorkspaceFixture;
  const knownIds = new Map<string, string>();

  beforeAll(async () => {
    hub = await startHub({ HUB_INSTANCE_DOWN_AFTER_MS: '600000' });
    const fixtures = new HubFixtures(hub);
    await fixtures.registerInstance('fuzz');
    // The platform admin owns the org, so that org routes reach their validation.
    const org = await fixtures.ok('POST', '/orgs', hub.adminToken, { name: 'Fuzz' });
    const orgWorkspace = await fixtures.ok('POST', '/org-workspaces', hub.adminToken, { orgId: org.id, name: 'W' });
    knownIds.set('hub /orgs/{id}', org.id);
    knownIds.set('hub {orgId}', org.id);
    knownIds.set('hub /org-workspaces/{id}', orgWorkspace.id);
    knownIds.set('hub /instances/{id}', 'fuzz');
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
    workspace = await seedWorkspace(instance);
    const tenant = await json(
      await instance.request('POST', '/tenants', {
        token: workspace.adminToken(),
        body: { internalId: 'fuzz-target', name: 'Target' },
      }),
    );
    knownIds.set('instance /tenants/{id}', tenant.id);
    knownIds.set('instance /customers/{id}', tenant.id);
  }, 60_000);

  afterAll(async () => {
    if (hub) await new HubFixtures(hub).quiesceRelay();
    await hub?.close();
    await instance?.close();
  });

  const documentOf = async (url: string) => (await (await fetch(`${url}/openapi.json`)).json()) as OpenApiDocument;

  /** Every request for one service's document, generated from one seeded stream of bad values. */
  const casesFor = (service: 'hub' | 'instance', document: OpenApiDocument, tokens: string[], seed: number) => {
    const schemas = document.components?.schemas ?? {};
    const resolve = (schema: Schema): Schema => {
      let current = schema;
      for (let hops = 0; hops < 10; hops++) {
        if (current.$ref) current = schemas[current.$ref.replace('#/components/schemas/', '')] ?? {};
        else if (current.allOf?.length === 1 && current.allOf[0]) current = current.allOf[0];
        else break;
      }
      return current;
    };
    const values = fc.sample(badValuesForOneField, { seed, numRuns: 5_000 });
    const urlValues = fc.sample(badUrlValuesForOneParameter, { seed: seed + 1, numRuns: 5_000 });
    let next = 0;
    let nextUrl = 0;
    const take = () => values[next++ % values.length]!;
    const takeUrl = () => urlValues[nextUrl++ % urlValues.length]!;

    const cases: FuzzCase[] = [];
    let tokenIndex = 0;
    for (const [template, operations] of Object.entries(document.paths).sort(([a], [b]) => a.localeCompare(b))) {
      for (const [method, operation] of Object.entries(operations)) {
        const parameters = operation.parameters ?? [];
        const pathParams = parameters.filter((parameter) => parameter.in === 'path');
        const queryParams = parameters.filter((parameter) => parameter.in === 'query');
        const bodySchema = operation.requestBody?.content['application/json']?.schema;
        const body = bodySchema ? resolve(bodySchema) : undefined;

        const pathWith = (bad?: { name: string; value: string }) =>
          template.replace(/\{(\w+)\}/g, (_match, name: string) => {
            if (bad?.name === name) return encodeAny(bad.value);
            const known =
              knownIds.get(`${service} ${template.slice(0, template.indexOf('}') + 1)}`) ??
              knownIds.get(`${service} {${name}}`);
            return known ?? (name === 'key' || name === 'idOrKey' ? 'fuzz-key' : randomUUID());
          });
        const validQuery = () =>
          queryParams
            .filter((parameter) => parameter.required)
            .map((parameter) => `${parameter.name}=${encodeAny(String(plausible(parameter.schema, resolve)))}`);
        const validBody = () => (body ? (plausible(body, resolve) as Record<string, unknown>) : undefined);
        const add = (varied: string, change: Partial<FuzzCase> & { jsonBody?: unknown }) => {
          const token = tokens[tokenIndex++ % tokens.length]!;
          const jsonBody = 'jsonBody' in change ? change.jsonBody : validBody();
          cases.push({
            service,
            ...(operation.responses?.['501'] ? { notSupported: true } : {}),
            method: method.toUpperCase(),
            path: pathWith(),
            query: validQuery().join('&'),
            token,
            ...(jsonBody !== undefined ? { contentType: 'application/json', body: JSON.stringify(jsonBody) } : {}),
            ...change,
            varied,
          });
        };

        add('nothing', {});
        for (const parameter of pathParams) {
          for (const value of takeUrl()) {
            add(`path ${parameter.name}=${JSON.stringify(value).slice(0, 60)}`, {
              path: pathWith({ name: parameter.name, value }),
            });
          }
        }
        for (const parameter of queryParams) {
          for (const value of takeUrl()) {
            const others = validQuery().filter((pair) => !pair.startsWith(`${parameter.name}=`));
            add(`query ${parameter.name}=${JSON.stringify(value).slice(0, 60)}`, {
              query: [...others, `${parameter.name}=${encodeAny(value)}`].join('&'),
            });
          }
          add(`query ${parameter.name} repeated`, {
            query: [...validQuery(), `${parameter.name}=1`, `${parameter.name}=2`].join('&'),
          });
        }
        if (body) {
          for (const field of Object.keys(body.properties ?? {})) {
            for (const value of take()) {
              add(`body ${field}=${JSON.stringify(value)?.slice(0, 60)}`, {
                jsonBody: { ...validBody(), [field]: value },
              });
            }
          }
          const [nulKey, surrogateKey, , wrongBody] = take();
          for (const key of [nulKey, surrogateKey] as string[]) {
            add(`body key ${JSON.stringify(key)}`, { jsonBody: { ...validBody(), [key]: 1 } });
          }
          add(`whole body ${JSON.stringify(wrongBody)?.slice(0, 60)}`, { jsonBody: wrongBody });
          add('a 2,000-deep array body', { body: '['.repeat(2000) + ']'.repeat(2000) });
          add('text/plain body', { contentType: 'text/plain', body: JSON.stringify(validBody()) });
          add('form body', { contentType: 'application/x-www-form-urlencoded', body: 'name=x' });
          add('Latin-1 JSON body', { contentType: 'application/json; charset=iso-8859-1', body: '{}' });
        }
      }
    }
    return cases;
  };

  const send = async (url: string, fuzzCase: FuzzCase): Promise<string | undefined> => {
    const target = `${url}${fuzzCase.path}${fuzzCase.query ? `?${fuzzCase.query}` : ''}`;
    let response: Response;
    try {
      response = await fetch(target, {
        method: fuzzCase.method,
        headers: {
          authorization: `Bearer ${fuzzCase.token}`,
          ...(fuzzCase.contentType ? { 'content-type': fuzzCase.contentType } : {}),
        },
        body: fuzzCase.body,
      });
    } catch (error) {
      return `no answer: ${String(error)}`;
    }
    const text = await response.text();
    const problems: string[] = [];
    let code: unknown;
    if (response.status >= 400) {
      if (!response.headers.get('content-type')?.startsWith('application/problem+json')) {
        problems.push(`content-type ${response.headers.get('content-type')}`);
      }
      try {
        const problem = JSON.parse(text) as { status?: unknown; code?: unknown };
        code = problem.code;
        if (problem.status !== response.status) problems.push(`problem status ${String(problem.status)}`);
        if (typeof problem.code !== 'string') problems.push('no code');
      } catch {
        problems.push('body is not JSON');
      }
    }
    // The one 5xx that is not a fault: a documented 501 for a Membrane route Switchboard does not serve.
    const documentedNotSupported = fuzzCase.notSupported && response.status === 501 && code === 'not_supported';
    if (response.status >= 500 && !documentedNotSupported) problems.push(`status ${response.status}`);
    return problems.length ? `${problems.join(', ')}: ${text.slice(0, 200)}` : undefined;
  };

  it('answers every bad input with a 4xx problem, never a 5xx but a documented 501 not_supported', async () => {
    const [hubDocument, instanceDocument] = await Promise.all([documentOf(hub.url), documentOf(instance.url)]);
    const cases = [
      ...casesFor('hub', hubDocument, [hub.adminToken], SEED),
      ...casesFor('instance', instanceDocument, [workspace.adminToken(), workspace.tenantToken('fuzz-tenant')], SEED),
    ];
    expect(cases.length).toBeGreaterThan(1000);
    const failures: string[] = [];
    let index = 0;
    const worker = async () => {
      while (index < cases.length) {
        const fuzzCase = cases[index++]!;
        const failure = await send(fuzzCase.service === 'hub' ? hub.url : instance.url, fuzzCase);
        if (failure) {
          failures.push(`${fuzzCase.service} ${fuzzCase.method} ${fuzzCase.path} [${fuzzCase.varied}] → ${failure}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    if (failures.length > 0) {
      throw new Error(
        `${failures.length} of ${cases.length} requests failed (FUZZ_SEED=${SEED} replays them):\n` +
          failures.slice(0, 40).join('\n'),
      );
    }
  }, 120_000);
});
