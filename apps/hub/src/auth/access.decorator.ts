import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiExtension,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';

/**
 * Who may call a route. The services enforce it (OrgAccessService, the
 * platform-admin checks); this names it in the OpenAPI description as
 * `x-required-role`, where the route snapshot and the role-matrix test read it,
 * so the documented rule and the enforced one cannot drift apart unnoticed.
 */
export type AccessRule = 'any user' | 'platform admin' | 'org member' | 'org owner or admin' | 'org owner';

export class FieldErrorDto {
  @ApiProperty() field!: string;
  @ApiProperty() message!: string;
}

/** Every error body: `application/problem+json`. */
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

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
});

export function Access(rule: AccessRule): MethodDecorator & ClassDecorator {
  const decorators = [
    ApiBearerAuth(),
    ApiExtension('x-required-role', rule),
    ApiExtraModels(ProblemDto, FieldErrorDto),
    ApiBadRequestResponse(problem('validation_failed (with errors) or malformed_request: the input is not valid.')),
    ApiUnauthorizedResponse(
      problem('No platform token, or one that is unknown (invalid_token), revoked (token_revoked) or expired.'),
    ),
  ];
  if (rule !== 'any user') {
    decorators.push(ApiForbiddenResponse(problem(`forbidden: this needs ${rule}.`)));
  }
  if (rule.startsWith('org')) {
    decorators.push(
      ApiNotFoundResponse(problem('not_found: it does not exist, or it belongs to an org the caller is not in.')),
    );
  }
  return applyDecorators(...decorators);
}

/** A further error a route answers with, e.g. `ApiProblem(409, 'conflict: …')`. */
export function ApiProblem(status: number, description: string): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiExtraModels(ProblemDto, FieldErrorDto), ApiResponse({ status, ...problem(description) }));
}
