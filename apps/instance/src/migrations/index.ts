import { Workspaces1763850000000 } from './1763850000000-workspaces.js';
import { ScopeFunctions1763850000100 } from './1763850000100-scope-functions.js';
import { Tenants1763880000000 } from './1763880000000-tenants.js';
import { ScopedTenantReads1763880000100 } from './1763880000100-scoped-tenant-reads.js';
import { IntegrationsConnections1763900000000 } from './1763900000000-integrations-connections.js';
import { Elements1763910000000 } from './1763910000000-elements.js';
import { Events1763920000000 } from './1763920000000-events.js';
import { IdempotencyKeys1763930000000 } from './1763930000000-idempotency-keys.js';
import { EventRetention1763940000000 } from './1763940000000-event-retention.js';
import { SignedSync1764000000100 } from './1764000000100-signed-sync.js';
import { EventOutboxStats1764100000000 } from './1764100000000-event-outbox-stats.js';
import { TenantApiKeys1764200000000 } from './1764200000000-tenant-api-keys.js';
import { PrepaidBalances1764300000000 } from './1764300000000-prepaid-balances.js';
import { TenantActivity1764400000000 } from './1764400000000-tenant-activity.js';
import { LinkedTenants1764500000000 } from './1764500000000-linked-tenants.js';
import { ApiKeyWithTenant1764550000000 } from './1764550000000-api-key-with-tenant.js';
import { Universe1764600000000 } from './1764600000000-universe.js';
import { ElementsAtEveryLevel1764700000000 } from './1764700000000-elements-at-every-level.js';
import { ArchivedParentSharesNothing1764710000000 } from './1764710000000-archived-parent-shares-nothing.js';
import { WorkspaceMoves1765000000000 } from './1765000000000-workspace-moves.js';
import { ApiKeyTenantById1766700000000 } from './1766700000000-api-key-tenant-by-id.js';
import { UsageIdsAcrossInstances1766900000000 } from './1766900000000-usage-ids-across-instances.js';

/** Every instance migration, in order. */
export const INSTANCE_MIGRATIONS = [
  Workspaces1763850000000,
  ScopeFunctions1763850000100,
  Tenants1763880000000,
  ScopedTenantReads1763880000100,
  IntegrationsConnections1763900000000,
  Elements1763910000000,
  Events1763920000000,
  IdempotencyKeys1763930000000,
  EventRetention1763940000000,
  SignedSync1764000000100,
  EventOutboxStats1764100000000,
  TenantApiKeys1764200000000,
  PrepaidBalances1764300000000,
  TenantActivity1764400000000,
  LinkedTenants1764500000000,
  ApiKeyWithTenant1764550000000,
  Universe1764600000000,
  ElementsAtEveryLevel1764700000000,
  ArchivedParentSharesNothing1764710000000,
  WorkspaceMoves1765000000000,
  ApiKeyTenantById1766700000000,
  UsageIdsAcrossInstances1766900000000,
];
