import { ActivityLog } from './activity-logs/activity-log.entity.js';
import { TenantApiKey } from './api-keys/tenant-api-key.entity.js';
import { Connection } from './connections/connection.entity.js';
import { ElementCustomization } from './elements/element-customization.entity.js';
import { ElementDeployment } from './elements/element-deployment.entity.js';
import { ElementRevision } from './elements/element-revision.entity.js';
import { ElementTemplate } from './elements/element-template.entity.js';
import { EventRecord } from './events/event.entity.js';
import { EventDelivery } from './events/event-delivery.entity.js';
import { EventSubscription } from './events/event-subscription.entity.js';
import { IdempotencyKey } from './idempotency/idempotency-key.entity.js';
import { Integration } from './integrations/integration.entity.js';
import { WorkspaceMoveChange, WorkspaceMoveSource, WorkspaceMoveTarget } from './moves/workspace-move.entity.js';
import { Tenant } from './tenants/tenant.entity.js';
import { UniverseElement, UniverseState } from './universe/universe-element.entity.js';
import { BalanceEntry } from './usage/balance-entry.entity.js';
import { RateLimitWindow } from './usage/rate-limit-window.entity.js';
import { TenantBalance } from './usage/tenant-balance.entity.js';
import { UsageRecord } from './usage/usage-record.entity.js';
import { Workspace } from './workspaces/workspace.entity.js';

/** Every entity the instance maps; the schema-drift test compares them with the migrations. */
export const INSTANCE_ENTITIES = [
  Workspace,
  Tenant,
  UsageRecord,
  ActivityLog,
  RateLimitWindow,
  Integration,
  Connection,
  EventRecord,
  EventSubscription,
  EventDelivery,
  ElementTemplate,
  ElementRevision,
  ElementCustomization,
  ElementDeployment,
  IdempotencyKey,
  TenantBalance,
  BalanceEntry,
  TenantApiKey,
  UniverseElement,
  UniverseState,
  WorkspaceMoveSource,
  WorkspaceMoveTarget,
  WorkspaceMoveChange,
];
