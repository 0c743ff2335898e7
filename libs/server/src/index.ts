export { createService, routesOf, type ServedRoute, type ServiceOptions } from './bootstrap/create-service.js';
export { PlatformModule, type PlatformOptions } from './bootstrap/platform.module.js';
export {
  type Dependency,
  natsDependency,
  postgresDependency,
  serveWhileStarting,
  type Starting,
  type StartingOptions,
} from './bootstrap/serve-while-starting.js';
export { BoundedCache, type BoundedCacheOptions } from './cache/bounded-cache.js';
export { describeError } from './errors/describe-error.js';
export { DomainException, type FieldError } from './errors/domain.exception.js';
export { ErrorCode } from './errors/error-code.js';
export { declareErrorTranslations, type ErrorTranslation, translatedError } from './errors/error-translations.js';
export { type Problem, ProblemJsonFilter } from './errors/problem-json.filter.js';
export {
  declareUniqueConstraints,
  UNIQUE_VIOLATION,
  type UniqueConstraintAnswer,
  uniqueViolation,
} from './errors/unique-violation.js';
export { BodyLimit } from './http/body-limit.js';
export { answerClientError, answerUnmetExpectation } from './http/client-error.js';
export { CORS_POLICY, type CorsPolicy, enableCorsPolicy, staticCorsPolicy } from './http/cors.js';
export { FastAccept, type FastAcceptCheck, fastAcceptOf } from './http/fast-accept.js';
export { exceedsDepth } from './http/json-depth.js';
export { isNullableField, Nullable, Optional } from './http/nullability.js';
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
export { QueryInt } from './http/query-int.js';
export { DEFAULT_REQUEST_TIMEOUTS, requestTimeoutOptions, type RequestTimeouts } from './http/request-timeouts.js';
export { routeMetadata } from './http/route-metadata.js';
export { assertStorableInput, MAX_BODY_DEPTH, STORED_HEADERS } from './http/storable-input.js';
export {
  UNIVERSE_KEY_PARAM,
  UNIVERSE_KEY_PIPE,
  UNIVERSE_TYPE_PARAM,
  UNIVERSE_TYPE_PIPE,
} from './http/universe-params.js';
export { createValidationPipe } from './http/validation.pipe.js';
export {
  IDEMPOTENCY_OWNER,
  IdempotencyInterceptor,
  type IdempotencyOwnerOf,
  IDEMPOTENT,
} from './idempotency/idempotency.interceptor.js';
export {
  IDEMPOTENCY_ABANDONED_AFTER_SECONDS,
  IDEMPOTENCY_TTL_HOURS,
  idempotencyKeyInProgress,
  idempotencyKeyReused,
  type IdempotencyOutcome,
  IdempotencyStore,
} from './idempotency/idempotency.store.js';
export { Idempotent } from './idempotency/idempotent.decorator.js';
export { idempotencyModule, type IdempotencyOptions } from './idempotency/provide-idempotency.js';
export { requestHash } from './idempotency/request-hash.js';
export {
  CORRELATION_HEADER,
  correlationIdFrom,
  currentCorrelationId,
  requestValue,
  setRequestValue,
  withCorrelationId,
} from './logging/correlation.js';
export { ROOT_LOGGER, type RootLogger } from './logging/logging.module.js';
export { addRequestLogFields, requestLogFields } from './logging/request-log-fields.js';
export { MetricsRegistry } from './metrics/metrics.js';
export { type OpsListen, OpsServer } from './metrics/ops-server.js';
export {
  type ContractHandler,
  HandlesContract,
  type HandlesContractOptions,
} from './nats/handles-contract.decorator.js';
export {
  NatsClient,
  type NatsClientOptions,
  NatsErrorReply,
  NatsFailureCode,
  NatsRequestFailed,
} from './nats/nats-client.js';
export {
  type NatsConnectionOptions,
  natsConnectionOptions,
  type NatsCredentials,
} from './nats/nats-connection-options.js';
export { EVERY_REPLICA } from './nats/templated-server-nats.js';
export { ApiProblem, FieldErrorDto, ProblemDto, problemResponse } from './openapi/api-problem.js';
export { type ApiDescriptionOptions, completeDocument } from './openapi/complete-document.js';
export { IsHttpUrl } from './outbound/is-http-url.decorator.js';
export { OutboundConnectionRefused, OutboundHttp, type Resolve } from './outbound/outbound-http.js';
export { OutboundPolicy, parseCidrList } from './outbound/outbound-policy.js';
export { assertOutboundUrl, outboundUrlRefusal } from './outbound/outbound-url.js';
export { injectTraceContext, traceNatsReceive, traceNatsSend } from './tracing/nats-spans.js';
export {
  currentTracing,
  inSpan,
  SpanKind,
  startTracing,
  traceFields,
  type Tracing,
  TracingConfigError,
  tracingEnabled,
  type TracingOptions,
} from './tracing/tracing.js';
