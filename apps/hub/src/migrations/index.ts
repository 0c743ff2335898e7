import { InitialSchema1763850000000 } from './1763850000000-initial-schema.js';
import { AuditLog1763860000000 } from './1763860000000-audit-log.js';
import { IdempotencyKeys1763860000001 } from './1763860000001-idempotency-keys.js';
import { SignedSync1764000000100 } from './1764000000100-signed-sync.js';
import { UserPermissions1764200000000 } from './1764200000000-user-permissions.js';
import { Universe1764600000000 } from './1764600000000-universe.js';
import { WorkspaceMoves1765000000000 } from './1765000000000-workspace-moves.js';
import { OrgWorkspacesIndexes1765100000000 } from './1765100000000-org-workspaces-indexes.js';
import { InstanceSchemaLevel1767200000000 } from './1767200000000-instance-schema-level.js';

/** Every Hub migration, in order. */
export const HUB_MIGRATIONS = [
  InitialSchema1763850000000,
  AuditLog1763860000000,
  IdempotencyKeys1763860000001,
  SignedSync1764000000100,
  UserPermissions1764200000000,
  Universe1764600000000,
  WorkspaceMoves1765000000000,
  OrgWorkspacesIndexes1765100000000,
  InstanceSchemaLevel1767200000000,
];
