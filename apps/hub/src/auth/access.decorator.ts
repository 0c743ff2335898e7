import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiExtension,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { FieldErrorDto, ProblemDto, problemResponse } from '@switchboard/server';

/**
 * Who may call a route. The services enforce it (OrgAccessService, the
 * platform-admin checks); this names it in the OpenAPI description as
 * `x-required-role`, where the route snapshot and the role-matrix test read it,
 * so the documented rule and the enforced one cannot drift apart unnoticed.
 */
export type AccessRule = 'any user' | 'platform admin' | 'org member' | 'org owner or admin' | 'org owner';

export function Access(rule: AccessRule): MethodDecorator & ClassDecorator {
  const decorators = [
    ApiBearerAuth(),
    ApiExtension('x-required-role', rule),
    ApiExtraModels(ProblemDto, FieldErrorDto),
    ApiBadRequestResponse(
      problemResponse('validation_failed (with errors) or malformed_request: the input is not valid.'),
    ),
    ApiUnauthorizedResponse(
      problemResponse('No platform token, or one that is unknown (invalid_token), revoked (token_revoked) or expired.'),
    ),
  ];
  if (rule !== 'any user') {
    decorators.push(ApiForbiddenResponse(problemResponse(`forbidden: this needs ${rule}.`)));
  }
  if (rule.startsWith('org')) {
    decorators.push(
      ApiNotFoundResponse(
        problemResponse('not_found: it does not exist, or it belongs to an org the caller is not in.'),
      ),
    );
  }
  return applyDecorators(...decorators);
}
