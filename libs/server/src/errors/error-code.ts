/** Stable, machine-readable error codes carried in every problem+json body. */
export enum ErrorCode {
  ValidationFailed = 'validation_failed',
  OutboundUrlRefused = 'outbound_url_refused',
  MalformedRequest = 'malformed_request',
  UnsupportedMediaType = 'unsupported_media_type',
  PayloadTooLarge = 'payload_too_large',
  Unauthenticated = 'unauthenticated',
  InvalidToken = 'invalid_token',
  TokenExpired = 'token_expired',
  TokenRevoked = 'token_revoked',
  TokenNotYetValid = 'token_not_yet_valid',
  TokenMissingExpiry = 'token_missing_exp',
  TokenAlgorithmRefused = 'token_algorithm_refused',
  TokenLifetimeTooLong = 'token_lifetime_too_long',
  InvalidSignature = 'invalid_signature',
  UnknownWorkspace = 'unknown_workspace',
  UnknownTenant = 'unknown_tenant',
  WorkspaceArchived = 'workspace_archived',
  TenantArchived = 'tenant_archived',
  Forbidden = 'forbidden',
  NotFound = 'not_found',
  Conflict = 'conflict',
  IdempotencyKeyReused = 'idempotency_key_reused',
  RateLimited = 'rate_limited',
  CreditLimitExceeded = 'credit_limit_exceeded',
  /** `402`: a prepaid tenant's balance holds fewer credits than the request would use. */
  BalanceExhausted = 'balance_exhausted',
  NoInstanceAvailable = 'no_instance_available',
  /** `409`: a move's two instances are at different (or unknown) schema levels (API.md, "Moving a workspace"). */
  InstanceSchemaMismatch = 'instance_schema_mismatch',
  ServiceUnavailable = 'service_unavailable',
  WorkspaceKeysUnavailable = 'workspace_keys_unavailable',
  InternalError = 'internal_error',
  /** `502` from the gateway: the instance that holds the workspace could not be reached, or broke off. */
  BadGateway = 'bad_gateway',
  /** `504` from the gateway: the instance that holds the workspace did not answer in time. */
  GatewayTimeout = 'gateway_timeout',
  /** `501`: a route of Membrane's API that Switchboard does not serve (a feature it does not offer). */
  NotSupported = 'not_supported',
  /** Over NATS only: see `SnapshotRefusalCode` in `@switchboard/contracts`. */
  SnapshotSignatureInvalid = 'snapshot_signature_invalid',
  KeyringMismatch = 'keyring_mismatch',
  /** `503`: the workspace is at the cutover of a move to another instance; retry (API.md, "Moving a workspace"). */
  WorkspaceMoving = 'workspace_moving',
}
