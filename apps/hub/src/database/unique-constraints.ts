import type { UniqueConstraintAnswer } from '@switchboard/server';

/** An id or token the Hub generates itself: a collision is a retryable conflict, not the client's field. */
const generated = (what: string): UniqueConstraintAnswer => ({
  field: 'id',
  detail: `A generated ${what} collided with an existing one; retry the request.`,
});

/**
 * The answer for a lost race at every unique constraint of the Hub's schema
 * (names as in the migrations); see declareUniqueConstraints. The unit test
 * beside it fails when a migration adds a constraint missing here.
 */
export const HUB_UNIQUE_CONSTRAINTS: Record<string, UniqueConstraintAnswer> = {
  // users
  UQ_97672ac88f789774dd47f7c8be3: { field: 'email', detail: 'A user with this email already exists.' },
  PK_a3ffb1c0c8416b9fc6f907b7433: generated('user id'),
  // personal_access_tokens
  UQ_aeabcd81e2cb4d39ed487532408: generated('token'),
  PK_b6dc462fa11dbbb897eb8419735: generated('token id'),
  // orgs, org_members
  PK_9eed8bfad4c9e0dc8648e090efe: generated('org id'),
  PK_986db88b0e82a9189921841199b: { field: 'userId', detail: 'This user is already a member of the org.' },
  // org_workspaces
  UQ_45d7eef19cbf2ce9bb6acdc7ddb: generated('workspace key'),
  PK_87c7edf63ccfb794f7031a5892e: generated('workspace id'),
  // instances (registered over NATS, upserted)
  PK_11862209053330b4765f7f54178: { field: 'id', detail: 'An instance with this id is already registered.' },
  // routing_outbox, audit_log
  PK_cc008a1009980ddac03220e9250: generated('outbox entry id'),
  PK_07fefa57f7f5ab8fc3f52b3ed0b: generated('audit log entry id'),
  // universe_elements, universe_element_revisions, universe_state, universe_outbox
  universe_elements_type_key: { field: 'key', detail: 'A universe element of this type with this key already exists.' },
  PK_5ee86bcd754fa547ad126e1f7db: generated('universe element id'),
  PK_294b20001866d268017de78ed89: {
    field: 'revision',
    detail: 'This universe element changed at the same moment; retry the request.',
  },
  PK_5658ca29ceba67a29ebb360063e: generated('universe state row'),
  PK_eb4a27794ad0dda2967181c780e: generated('universe outbox entry id'),
  // idempotency_keys (claimed with ON CONFLICT DO NOTHING)
  PK_392b1af86f210d98d3f0c764728: {
    field: 'Idempotency-Key',
    detail: 'A request with this Idempotency-Key is already in progress.',
  },
  // workspace_moves: one running move per workspace
  PK_workspace_moves: generated('move id'),
  workspace_moves_running: { field: 'instanceId', detail: 'A move of this workspace is already running.' },
};
