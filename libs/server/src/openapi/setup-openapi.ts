import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

import { FieldErrorDto, ProblemDto } from './api-problem.js';
import { type ApiDescriptionOptions, completeDocument } from './complete-document.js';

/**
 * Serves the OpenAPI description at `/openapi.json` (and `/openapi.yaml`) and
 * its UI at `/docs`: what @nestjs/swagger reads from the routes, completed by
 * `completeDocument` (operationIds, problem responses, servers, security).
 */
export function setupOpenApi(
  app: INestApplication,
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
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  return document;
}
