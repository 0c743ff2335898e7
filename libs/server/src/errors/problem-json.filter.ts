import { randomUUID } from 'node:crypto';

import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { type Observable, throwError } from 'rxjs';

import { isDependencyUnavailable } from './dependency-unavailable.js';
import { DomainException, type FieldError } from './domain.exception.js';
import { ErrorCode } from './error-code.js';
import { translatedError } from './error-translations.js';
import { uniqueViolation } from './unique-violation.js';

export interface Problem {
  /** Extension members (RFC 9457 §3.2) a DomainException carries. */
  [extension: string]: unknown;
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
  errorId?: string;
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.MalformedRequest,
  401: ErrorCode.Unauthenticated,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  405: ErrorCode.MalformedRequest,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  415: ErrorCode.UnsupportedMediaType,
  429: ErrorCode.RateLimited,
  503: ErrorCode.ServiceUnavailable,
};

/**
 * Maps every error to a problem: over HTTP as `application/problem+json` (API.md,
 * Conventions), over NATS as the error of the reply. Only a real fault becomes a 5xx, and it carries an `errorId`
 * that is also in the log.
 */
@Catch()
export class ProblemJsonFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemJsonFilter');

  catch(thrown: unknown, host: ArgumentsHost): Observable<never> | void {
    // A service's own errors as it declared them (declareErrorTranslations), e.g. a write refused during a move.
    const exception = translatedError(thrown) ?? thrown;
    if (host.getType() === 'rpc') {
      // Over NATS the same problem travels as the typed error of the reply (an `ErrorReply`: code and message).
      const problem = this.toProblem(exception);
      return throwError(() => ({ ...problem, message: problem.detail }));
    }
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const problem = this.toProblem(exception);
    if (exception instanceof DomainException && exception.extras.retryAfterSeconds !== undefined) {
      void reply.header('Retry-After', String(Math.max(1, Math.ceil(exception.extras.retryAfterSeconds))));
    }
    void reply.status(problem.status).header('Content-Type', 'application/problem+json').send(problem);
  }

  toProblem(exception: unknown): Problem {
    // A race lost at a unique constraint is a conflict wherever it happens, not a fault.
    const conflict = uniqueViolation(exception);
    if (conflict) return this.toProblem(conflict);
    if (exception instanceof DomainException) {
      const known = {
        ...exception.extras.extensions,
        ...problem(exception.status, exception.code, exception.title, exception.detail, exception.extras.errors),
      };
      if (exception.status < 500) return known;
      // A server-side condition the domain names (keys missing, a dependency down): still traceable by errorId.
      const errorId = randomUUID();
      this.logger.warn({ errorId, code: exception.code, err: exception.cause ?? exception }, exception.detail);
      return { ...known, errorId };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status < 500) {
        const body = exception.getResponse();
        const detail =
          typeof body === 'object' && body !== null && 'message' in body
            ? [body.message].flat().join('; ')
            : exception.message;
        return problem(status, CODE_BY_STATUS[status] ?? ErrorCode.MalformedRequest, titleFor(status), detail);
      }
    }
    const clientError = fastifyClientError(exception);
    if (clientError) return clientError;
    const errorId = randomUUID();
    if (isDependencyUnavailable(exception)) {
      this.logger.warn({ errorId, err: exception }, 'a dependency is unavailable');
      return {
        ...problem(
          503,
          ErrorCode.ServiceUnavailable,
          'Service Unavailable',
          `A service this one depends on (its database) is unavailable; try again shortly (errorId ${errorId}).`,
        ),
        errorId,
      };
    }
    this.logger.error({ errorId, err: exception }, 'unhandled error');
    return {
      ...problem(
        500,
        ErrorCode.InternalError,
        'Internal Server Error',
        `An unexpected error occurred (errorId ${errorId}).`,
      ),
      errorId,
    };
  }
}

function problem(status: number, code: ErrorCode, title: string, detail: string, errors?: FieldError[]): Problem {
  return { type: 'about:blank', title, status, detail, code, ...(errors ? { errors } : {}) };
}

/** Fastify's own errors (bad JSON, wrong content type, body too large) carry a 4xx statusCode. */
function fastifyClientError(exception: unknown): Problem | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const { statusCode, message, code } = exception as { statusCode?: unknown; message?: unknown; code?: unknown };
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return undefined;
  const errorCode =
    code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
      ? ErrorCode.UnsupportedMediaType
      : (CODE_BY_STATUS[statusCode] ?? ErrorCode.MalformedRequest);
  return problem(statusCode, errorCode, titleFor(statusCode), typeof message === 'string' ? message : 'Bad request.');
}

function titleFor(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    408: 'Request Timeout',
    409: 'Conflict',
    413: 'Payload Too Large',
    414: 'URI Too Long',
    415: 'Unsupported Media Type',
    422: 'Unprocessable Entity',
    429: 'Too Many Requests',
    431: 'Request Header Fields Too Large',
    503: 'Service Unavailable',
  };
  return titles[status] ?? 'Error';
}
