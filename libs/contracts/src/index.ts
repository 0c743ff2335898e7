export * from './apply-workspace-snapshot/apply-workspace-snapshot.contract.js';
export { type Contract, ContractViolation, parseMessage } from './contract.js';
export { ErrorReply, SnapshotRefusalCode } from './error-reply/error-reply.js';
export * from './instance-heartbeat/instance-heartbeat.contract.js';
export * from './move-workspace/move-workspace.contract.js';
export { plainToInstanceKeepingKeys } from './plain-to-instance.js';
export * from './reconcile-instance/reconcile-instance.contract.js';
export * from './register-instance/register-instance.contract.js';
export { SCHEMA_LEVEL } from './register-instance/schema-level.js';
export { findUnstorable, isStorableString, type UnstorableField } from './storable/storable-value.js';
export {
  ANY_INSTANCE,
  fillSubject,
  HUB_INBOX_PREFIX,
  instanceIdOfSubject,
  instanceInboxPrefix,
  queueGroup,
  SUBJECT_PREFIX,
  subjectTemplate,
  type SubjectVariables,
} from './subjects.js';
export * from './tenant-changed/tenant-changed.contract.js';
export * from './universe/apply-universe-snapshot.contract.js';
export * from './universe/element-definition.js';
export * from './universe/reconcile-universe.contract.js';
export * from './universe/universe-snapshot.js';
export * from './workspace-placement/workspace-placement.contract.js';
export {
  HeldWorkspace,
  MAX_PREVIOUS_SECRETS,
  PreviousSecret,
  SignedWorkspaceSnapshot,
  SNAPSHOT_DIGEST,
  WorkspaceSnapshot,
} from './workspace-snapshot.js';
export {
  claimsProblem,
  MAX_TOKEN_ACTOR_DEPTH,
  MAX_TOKEN_ACTOR_SUB_LENGTH,
  MAX_WORKSPACE_TOKEN_CLAIMS_DEPTH,
  MAX_WORKSPACE_TOKEN_LENGTH,
  MAX_WORKSPACE_TOKEN_LIFETIME_SECONDS,
  type TokenActor,
  type WorkspaceTokenClaims,
} from './workspace-token/workspace-token-claims.js';
