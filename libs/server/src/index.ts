export { createService, routesOf, type ServedRoute, type ServiceOptions } from './bootstrap/create-service.js';
export { PlatformModule, type PlatformOptions } from './bootstrap/platform.module.js';
export { DomainException, type FieldError } from './errors/domain.exception.js';
export { ErrorCode } from './errors/error-code.js';
export { type Problem, ProblemJsonFilter } from './errors/problem-json.filter.js';
export {
  type CursorPosition,
  decodeCursor,
  encodeCursor,
  type Page,
  pageLimit,
  PageQueryDto,
  toPage,
} from './http/pagination.js';
export { IS_PUBLIC, Public } from './http/public.decorator.js';
export { createValidationPipe } from './http/validation.pipe.js';
export { CORRELATION_HEADER, correlationIdFrom, currentCorrelationId } from './logging/correlation.js';
export { MetricsRegistry } from './metrics/metrics.js';
export { NatsClient, type NatsClientOptions, NatsRequestFailed } from './nats/nats-client.js';
export { EVERY_REPLICA } from './nats/templated-server-nats.js';
