import { ErrorCode } from './error-code.js';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * The one exception type the domain throws. Each transport maps it: HTTP to
 * problem+json, NATS to a typed error reply.
 */
export class DomainException extends Error {
  override name = 'DomainException';

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly title: string,
    readonly detail: string,
    readonly extras: {
      errors?: FieldError[];
      retryAfterSeconds?: number;
      cause?: unknown;
      /** Extension members of the problem (RFC 9457 §3.2), e.g. `dependencies` of a 503 from /readyz. */
      extensions?: Record<string, unknown>;
    } = {},
  ) {
    super(detail, extras.cause === undefined ? undefined : { cause: extras.cause });
  }

  static validation(detail: string, errors: FieldError[]): DomainException {
    return new DomainException(400, ErrorCode.ValidationFailed, 'Validation failed', detail, { errors });
  }

  /** `400 outbound_url_refused`: a URL the service would call is not a public http(s) target (API.md, "Trust boundaries"). */
  static outboundUrlRefused(field: string, reason: string): DomainException {
    return new DomainException(400, ErrorCode.OutboundUrlRefused, 'Outbound URL refused', `${field}: ${reason}.`, {
      errors: [{ field, message: reason }],
    });
  }

  static notFound(what: string): DomainException {
    return new DomainException(404, ErrorCode.NotFound, 'Not found', `${what} was not found.`);
  }

  static conflict(detail: string): DomainException {
    return new DomainException(409, ErrorCode.Conflict, 'Conflict', detail);
  }

  static forbidden(detail: string): DomainException {
    return new DomainException(403, ErrorCode.Forbidden, 'Forbidden', detail);
  }

  /**
   * `501 not_supported`: a route of Membrane's API for a feature Switchboard does
   * not offer. `detail` names the feature, e.g. "Flow runs are not part of Switchboard."
   */
  static notSupported(detail: string): DomainException {
    return new DomainException(501, ErrorCode.NotSupported, 'Not Implemented', detail);
  }

  static unauthenticated(detail: string, code = ErrorCode.Unauthenticated): DomainException {
    return new DomainException(401, code, 'Unauthorized', detail);
  }
}
