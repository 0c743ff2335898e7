import { ActivityLog } from '../activity-logs/activity-log.entity.js';
import { Tenant } from '../tenants/tenant.entity.js';
import { RateLimitWindow } from '../usage/rate-limit-window.entity.js';
import { UsageRecord } from '../usage/usage-record.entity.js';
import { Workspace } from '../workspaces/workspace.entity.js';

/** Every entity the instance maps; the schema-drift test compares them with the migrations. */
export const INSTANCE_ENTITIES = [Workspace, Tenant, UsageRecord, ActivityLog, RateLimitWindow];
