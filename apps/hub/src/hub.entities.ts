import { User } from './auth/user.entity.js';
import { IdempotencyKey } from './idempotency/idempotency-key.entity.js';
import { Instance } from './instances/instance.entity.js';
import { WorkspaceMove } from './moves/workspace-move.entity.js';
import { AuditLogEntry } from './orgs/audit-log-entry.entity.js';
import { Org } from './orgs/org.entity.js';
import { OrgMember } from './orgs/org-member.entity.js';
import { OrgWorkspace } from './routing/org-workspace.entity.js';
import { OutboxEntry } from './routing/outbox-entry.entity.js';
import { UniverseElement, UniverseElementRevision, UniverseState } from './universe/universe-element.entity.js';
import { UniverseOutboxEntry } from './universe/universe-outbox-entry.entity.js';
import { PersonalAccessToken } from './users/personal-access-token.entity.js';

/** Every entity the Hub maps; the schema-drift test compares them with the migrations. */
export const HUB_ENTITIES = [
  User,
  PersonalAccessToken,
  Org,
  OrgMember,
  Instance,
  OrgWorkspace,
  OutboxEntry,
  AuditLogEntry,
  IdempotencyKey,
  UniverseElement,
  UniverseElementRevision,
  UniverseState,
  UniverseOutboxEntry,
  WorkspaceMove,
];
