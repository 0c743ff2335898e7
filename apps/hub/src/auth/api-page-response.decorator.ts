import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, getSchemaPath } from '@nestjs/swagger';

/** `200 {items: [item], cursor}`: a page of a list (API.md, Conventions). */
export function ApiPageResponse(item: Type<unknown>, description?: string): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(item),
    ApiOkResponse({
      description,
      schema: {
        type: 'object',
        required: ['items', 'cursor'],
        properties: {
          items: { type: 'array', items: { $ref: getSchemaPath(item) } },
          cursor: {
            type: 'string',
            nullable: true,
            description: 'Pass it back as ?cursor= for the next page; null at the end.',
          },
        },
      },
    }),
  );
}
