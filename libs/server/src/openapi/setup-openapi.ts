import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { onSendHookHandler } from 'fastify';

import { FieldErrorDto, ProblemDto } from './api-problem.js';
import { type ApiDescriptionOptions, completeDocument } from './complete-document.js';

/**
 * The Content-Security-Policy of `/docs` (Swagger UI), for `serverUrl` (the
 * document's server, whose origin "Try it out" calls): scripts only from the
 * service's own files — @nestjs/swagger serves its init script as a file, not
 * inline — so an injected `<script>` or handler runs nowhere; styles may be
 * inline (Swagger UI's page and React components set them); images also as
 * `data:` (its icons); no plugins, forms, frames or `<base>`. CSP Level 3
 * (https://www.w3.org/TR/CSP3/), as the console's (apps/hub/src/console).
 */
export function docsContentSecurityPolicy(serverUrl?: string): string {
  const api = serverUrl ? ` ${new URL(serverUrl).origin}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self'${api}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Serves the OpenAPI description at `/openapi.json` (and `/openapi.yaml`) and
 * its UI at `/docs`: what @nestjs/swagger reads from the routes, completed by
 * `completeDocument` (operationIds, problem responses, servers, security).
 * Every `/docs` answer carries docsContentSecurityPolicy and `nosniff`, as
 * route hooks of those routes alone (no cost to any other request).
 */
export function setupOpenApi(
  app: NestFastifyApplication,
  title: string,
  description: string,
  options: ApiDescriptionOptions,
): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(title)
    .setDescription(description)
    .setVersion('1')
    .addBearerAuth()
    .build();
  const document = completeDocument(
    SwaggerModule.createDocument(app, config, { extraModels: [ProblemDto, FieldErrorDto] }),
    options,
  );
  const headers: onSendHookHandler = (_request, reply, payload, done) => {
    void reply.header('content-security-policy', policy).header('x-content-type-options', 'nosniff');
    done(null, payload);
  };
  const policy = docsContentSecurityPolicy(options.serverUrl);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route) => {
      if (route.url === '/docs' || route.url.startsWith('/docs/')) route.onSend = [headers, route.onSend ?? []].flat();
    });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  return document;
}
