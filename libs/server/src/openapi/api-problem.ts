import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty() field!: string;
  @ApiProperty() message!: string;
}

/** Every error body: `application/problem+json`, as ProblemJsonFilter writes it. */
export class ProblemDto {
  @ApiProperty({ example: 'about:blank' }) type!: string;
  @ApiProperty() title!: string;
  @ApiProperty() status!: number;
  @ApiProperty() detail!: string;
  @ApiProperty({ description: 'Stable and machine-readable, e.g. validation_failed, not_found, token_expired.' })
  code!: string;
  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'For validation_failed: what is wrong, per field.' })
  errors?: FieldErrorDto[];
  @ApiPropertyOptional({ description: 'On a 5xx: the id of the error in the log.' }) errorId?: string;
}

/** The OpenAPI description of an error response, for `ApiXxxResponse(problemResponse('…'))`. */
export const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
});

/** A further error a route answers with, e.g. `ApiProblem(409, 'conflict: …')`. */
export function ApiProblem(status: number, description: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDto, FieldErrorDto),
    ApiResponse({ status, ...problemResponse(description) }),
  );
}
