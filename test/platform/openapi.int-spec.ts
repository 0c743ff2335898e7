import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createConfig, lintFromString } from '@redocly/openapi-core';
import { getMetadataStorage } from 'class-validator';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';

import { type HubHarness, startHub } from '../../apps/hub/test/hub-harness.js';
import { type InstanceHarness, startInstance } from '../../apps/instance/test/instance-harness.js';
import { FIXTURE_KEYS } from '../../apps/instance/test/workspace-fixture.js';

const OPERATION_IDS = new URL('./operation-ids.snapshot.txt', import.meta.url);
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
/** `<resource>.<method>` or `<resource>.<method>.<alias>`: lower camel case words joined by dots. */
const OPERATION_ID = /^[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*){1,2}$/;
const PROBLEM_REF = '#/components/schemas/ProblemDto';

interface Response {
  description?: string;
  content?: Record<string, { schema?: { $ref?: string } }>;
}

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses: Record<string, Response>;
}

interface Document {
  servers?: { url: string }[];
  components: { schemas: Record<string, { properties?: Record<string, { type?: string }> }> };
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
}

/**
 * Redocly's recommended rules' warnings that stay, by rule: the probes answer
 * no 4xx (nothing they take can be wrong), the routes of Membrane's API that
 * Switchboard does not serve answer no 2xx (only 501), and the API has no
 * licence to name (the package is UNLICENSED).
 */
const ACCEPTED_WARNINGS: Record<string, (pointer: string) => boolean> = {
  'info-license': () => true,
  'operation-4xx-response': (pointer) => /^#\/paths\/~1(healthz|readyz)\//.test(pointer),
  'operation-2xx-response': () => true,
};

function operationsOf(document: Document): { route: string; path: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method];
      return operation ? [{ route: `${method.toUpperCase()} ${path}`, path, operation }] : [];
    }),
  );
}

/**
 * Both services' OpenAPI documents, as served at /openapi.json (issue 16,
 * "OpenAPI complete"): Redocly's recommended rules report no error, every
 * operation has a summary, a description, a stable operationId and the
 * problem responses its inputs and its authentication can give, and a typed
 * client generated from them (openapi-typescript) compiles.
 * (UPDATE_OPERATION_IDS=1 rewrites the operationId snapshot.)
 */
describe('OpenAPI documents', () => {
  let hub: HubHarness;
  let instance: InstanceHarness;
  const documents: Record<'hub' | 'instance', { text: string; document: Document }> = {} as never;

  beforeAll(async () => {
    hub = await startHub();
    instance = await startInstance({ ENCRYPTION_KEYS: FIXTURE_KEYS });
    for (const [name, harness] of [
      ['hub', hub],
      ['instance', instance],
    ] as const) {
      const text = await (await fetch(`${harness.url}/openapi.json`)).text();
      documents[name] = { text, document: JSON.parse(text) as Document };
    }
  });

  afterAll(async () => {
    await instance?.close();
    await hub?.close();
  });

  it("pass Redocly's recommended rules with no error, and only the accepted warnings", async () => {
    const config = await createConfig({ extends: ['recommended'] });
    for (const name of ['hub', 'instance'] as const) {
      const problems = await lintFromString({
        source: documents[name].text,
        absoluteRef: `/${name}/openapi.json`,
        config,
      });
      const described = problems.map((problem) => ({
        severity: problem.severity,
        rule: problem.ruleId,
        pointer: problem.location[0]?.pointer ?? '',
        message: problem.message,
      }));
      expect({ name, errors: described.filter((problem) => problem.severity === 'error') }).toEqual({
        name,
        errors: [],
      });
      const unexpected = described.filter(
        (problem) => problem.severity !== 'error' && !ACCEPTED_WARNINGS[problem.rule]?.(problem.pointer),
      );
      expect({ name, unexpected }).toEqual({ name, unexpected: [] });
    }
  });

  it('describe every operation, with its problems, servers and security', () => {
    const problems: string[] = [];
    const ids: string[] = [];
    for (const name of ['hub', 'instance'] as const) {
      const { document } = documents[name];
      if (!document.servers?.length) problems.push(`${name}: no servers`);
      for (const { route, operation } of operationsOf(document)) {
        const at = `${name} ${route}`;
        if (!operation.summary?.trim()) problems.push(`${at}: no summary`);
        if (!operation.description?.trim()) problems.push(`${at}: no description`);
        if (!operation.operationId || !OPERATION_ID.test(operation.operationId)) {
          problems.push(`${at}: operationId ${operation.operationId} is not <resource>.<method>[.<alias>]`);
        }
        ids.push(`${name} ${operation.operationId} ${route}`);
        if (!operation.security) {
          problems.push(`${at}: no security (public routes declare security: [])`);
          continue;
        }
        const expected: string[] = [];
        const served = !operation.responses['501'];
        if (operation.security.length > 0) expected.push('401');
        if (name === 'instance' && operation.security.length > 0) expected.push('403', '429');
        if (served && operation.requestBody) expected.push('400', '415');
        if (served && (operation.parameters ?? []).length > 0) expected.push('400');
        if (served && operation.parameters?.some((parameter) => parameter.in === 'path')) expected.push('404');
        for (const status of expected) {
          const response = operation.responses[status];
          if (!response) problems.push(`${at}: no ${status}`);
          else if (response.content?.['application/problem+json']?.schema?.$ref !== PROBLEM_REF) {
            problems.push(`${at}: ${status} is not application/problem+json`);
          }
        }
        for (const [status, response] of Object.entries(operation.responses)) {
          if (status >= '400' && !response.description) problems.push(`${at}: ${status} has no description`);
        }
      }
    }
    expect(problems).toEqual([]);
    const unique = new Set(ids.map((line) => line.split(' ').slice(0, 2).join(' ')));
    expect(unique.size).toBe(ids.length);
    // Clients name operations by these ids: a change shows up in review.
    const snapshot = `${ids.join('\n')}\n`;
    if (process.env['UPDATE_OPERATION_IDS'] === '1') writeFileSync(OPERATION_IDS, snapshot);
    expect(snapshot).toBe(readFileSync(OPERATION_IDS, 'utf8'));
  });

  it('type as integer every body field whose validation takes only integers (@IsInt)', async () => {
    // Each app's DTO classes (its *.dto.ts files), their class-validator rules, and the document's schema
    // of the same name: a field typed `number` there tells clients that 1.5 is fine, and it is a 400.
    const checked: string[] = [];
    const problems: string[] = [];
    for (const name of ['hub', 'instance'] as const) {
      const schemas = documents[name].document.components.schemas;
      const sources = fileURLToPath(new URL(`../../apps/${name}/src`, import.meta.url));
      const files = readdirSync(sources, { recursive: true, encoding: 'utf8' }).filter((file) =>
        file.endsWith('.dto.ts'),
      );
      for (const file of files) {
        const exported = Object.values((await import(join(sources, file))) as Record<string, unknown>);
        for (const dto of exported.filter((value): value is new () => object => typeof value === 'function')) {
          const schema = schemas[dto.name];
          if (!schema) continue;
          for (const rule of getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false)) {
            if (rule.name !== 'isInt') continue;
            checked.push(`${dto.name}.${rule.propertyName}`);
            const type = schema.properties?.[rule.propertyName]?.type;
            if (type !== 'integer') problems.push(`${name} ${dto.name}.${rule.propertyName} is ${type}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    // The walk found the fields it is about (a rename of the files or of the rule would otherwise pass it).
    expect(checked).toEqual(expect.arrayContaining(['AccessTokenRequestDto.expiresIn', 'TopUpBalanceDto.credits']));
  });

  it('generate a typed client that compiles', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'switchboard-openapi-client-'));
    try {
      for (const name of ['hub', 'instance'] as const) {
        const ast = await openapiTS(documents[name].text);
        writeFileSync(join(directory, `${name}.d.ts`), astToString(ast));
      }
      writeFileSync(join(directory, 'usage.ts'), TYPED_USAGE);
      writeFileSync(join(directory, 'package.json'), '{ "type": "module" }');
      const program = ts.createProgram([join(directory, 'usage.ts')], {
        strict: true,
        noEmit: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        target: ts.ScriptTarget.ES2023,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        lib: ['lib.es2023.d.ts'],
        types: [],
      });
      const diagnostics = ts
        .getPreEmitDiagnostics(program)
        .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      expect(diagnostics).toEqual([]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

/**
 * A tiny client over `fetch`, typed by the generated `paths`: the path, the
 * method, the body and the answer all come from the documents; the
 * `@ts-expect-error` lines prove the types refuse what the API refuses.
 */
const TYPED_USAGE = `
import type { paths as Hub, operations as HubOperations } from './hub.js';
import type { paths as Instance } from './instance.js';

// The one global the client needs, declared here rather than compiling all of lib.dom.
declare function fetch(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
): Promise<{ json(): Promise<unknown> }>;

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;
type Problem<R> = R extends { content: { 'application/problem+json': infer B } } ? B : never;
type Success<O> = O extends { responses: infer Rs } ? Json<Rs[200 & keyof Rs]> | Json<Rs[201 & keyof Rs]> : never;
type Body<O> = O extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;

async function call<Paths, P extends keyof Paths & string, M extends keyof Paths[P] & string>(
  baseUrl: string,
  token: string,
  path: P,
  method: M,
  body?: Body<Paths[P][M]>,
): Promise<Success<Paths[P][M]>> {
  const response = await fetch(baseUrl + path, {
    method: method.toUpperCase(),
    headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await response.json()) as never;
}

export async function example(): Promise<string[]> {
  const orgs = await call<Hub, '/orgs', 'get'>('http://hub', 'sbp_x', '/orgs', 'get');
  const first: string | undefined = orgs.items[0]?.id;
  const created = await call<Hub, '/orgs', 'post'>('http://hub', 'sbp_x', '/orgs', 'post', { name: 'Acme' });
  const tenants = await call<Instance, '/tenants', 'get'>('http://instance', 'jwt', '/tenants', 'get');
  const names: string[] = tenants.items.map((tenant) => tenant.name ?? '');
  type NotFound = Problem<Instance['/tenants/{id}']['get']['responses'][404]>;
  const problem: NotFound = { type: 'about:blank', title: 'Not found', status: 404, detail: 'x', code: 'not_found' };
  type Unauthorized = Problem<HubOperations['orgs.list']['responses'][401]>;
  const unauthorized: Unauthorized = { ...problem, status: 401, code: 'unauthenticated' };
  // @ts-expect-error a body the route does not take
  await call<Hub, '/orgs', 'post'>('http://hub', 'sbp_x', '/orgs', 'post', { title: 'Acme' });
  // @ts-expect-error a status is a number
  const wrong: NotFound = { ...problem, status: '404' };
  return [first ?? '', created.id, ...names, problem.code, unauthorized.code, String(wrong)];
}
`;
