import type { OpenAPIObject } from '@nestjs/swagger';

import { completeDocument } from './complete-document.js';

const OPTIONS = { authenticatedProblems: { 401: 'unauthenticated', 429: 'rate_limited' } };
const PROBLEM = { $ref: '#/components/schemas/ProblemDto' };

function documentWith(paths: OpenAPIObject['paths']): OpenAPIObject {
  return { openapi: '3.0.0', info: { title: 't', version: '1' }, paths };
}

describe('completeDocument', () => {
  it('derives operationIds from controller and method, and aliases from the path', () => {
    const sut = completeDocument(
      documentWith({
        '/tenants': { get: { operationId: 'TenantsController_list[0]', responses: {} } },
        '/customers': { get: { operationId: 'TenantsController_list[1]', responses: {} } },
        '/event-subscriptions/{id}': { get: { operationId: 'EventSubscriptionsController_get', responses: {} } },
        '/x': { get: { operationId: 'notSupported.getX', responses: {} } },
      }),
      OPTIONS,
    );
    expect(Object.values(sut.paths).map((item) => item.get?.operationId)).toEqual([
      'tenants.list.tenants',
      'tenants.list.customers',
      'eventSubscriptions.get',
      'notSupported.getX',
    ]);
  });

  it('refuses two operations with one operationId', () => {
    expect(() =>
      completeDocument(
        documentWith({
          '/a': { get: { operationId: 'AController_get', responses: {} } },
          '/b': { get: { operationId: 'a.get', responses: {} } },
        }),
        OPTIONS,
      ),
    ).toThrow('operationId a.get names both GET /a and GET /b');
  });

  it('adds the problems a route can give from what it declares, keeping its own', () => {
    const sut = completeDocument(
      documentWith({
        '/things/{id}': {
          patch: {
            operationId: 'ThingsController_patch',
            security: [{ bearer: [] }],
            parameters: [{ name: 'id', in: 'path', required: true }],
            requestBody: { content: { 'application/json': { schema: {} } } },
            responses: { '200': { description: 'ok' }, '404': { description: 'not_found: no such thing.' } },
          },
        },
        '/healthz': { get: { operationId: 'HealthController_healthz', responses: { '200': { description: 'ok' } } } },
        '/gone': {
          post: {
            operationId: 'notSupported.postGone',
            security: [{ bearer: [] }],
            requestBody: { content: { 'application/json': { schema: {} } } },
            responses: { '501': { description: 'not_supported' } },
          },
        },
      }),
      OPTIONS,
    );
    const patch = sut.paths['/things/{id}']?.patch;
    expect(Object.keys(patch?.responses ?? {})).toEqual(['200', '400', '401', '404', '415', '429']);
    expect(patch?.responses['404']).toEqual({ description: 'not_found: no such thing.' });
    expect(patch?.responses['415']).toMatchObject({ content: { 'application/problem+json': { schema: PROBLEM } } });
    const health = sut.paths['/healthz']?.get;
    expect(health?.security).toEqual([]);
    expect(Object.keys(health?.responses ?? {})).toEqual(['200']);
    // Not served: only what authentication gives, nothing its input would.
    expect(Object.keys(sut.paths['/gone']?.post?.responses ?? {})).toEqual(['401', '429', '501']);
  });

  it('names the public URL as the server, or the origin of the document', () => {
    expect(completeDocument(documentWith({}), { ...OPTIONS, serverUrl: 'https://api.example.test/' }).servers).toEqual([
      { url: 'https://api.example.test', description: 'This service, at its public URL.' },
    ]);
    expect(completeDocument(documentWith({}), OPTIONS).servers?.[0]?.url).toBe('/');
  });
});
