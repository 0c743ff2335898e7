/**
 * A table that holds a workspace's rows, as a move copies it: its name, the
 * column naming the workspace, and its primary key columns. Rows keep their
 * primary keys on the target, so none may be numbered per instance (an
 * identity would collide with another workspace's rows there): ids are
 * uuids, other keys include the workspace. Listed parents first, so that a chunk never points at a row not
 * yet copied (composite foreign keys to `tenants`, `integrations`,
 * `element_templates`, `events`, `event_subscriptions`).
 */
export interface MovedTable {
  name: string;
  workspaceColumn: string;
  primaryKey: readonly string[];
  /**
   * The column by which a row names a parent row of the same table (with the
   * workspace column: `tenants.parent_id`, a linked tenant's parent). The copy
   * exports such a table roots first — `(parent IS NOT NULL, primary key)`
   * order, its cursor carrying this column too — because a chunk's rows are
   * written only when their parents are on the target (a row left out of the
   * copy is not written again unless it changes), and a child's id may sort
   * before its parent's. Roots first suffices while parents are one level deep
   * (TenantsService's rule, API.md "Linked tenants"); a deeper child sorting
   * before its parent would be left out and the cutover's tally would fail the
   * move, never copy it short in silence. Within one import, the rows of such
   * a table left out are tried again while a pass writes some (a parent and
   * its child in one chunk or one catch-up batch).
   */
  parentColumn?: string;
}

/** Every table with a workspace's rows (all but the universe and the move's own tables). */
export const MOVED_TABLES: readonly MovedTable[] = [
  { name: 'workspaces', workspaceColumn: 'id', primaryKey: ['id'] },
  { name: 'tenants', workspaceColumn: 'workspace_id', primaryKey: ['id'], parentColumn: 'parent_id' },
  { name: 'integrations', workspaceColumn: 'workspace_id', primaryKey: ['id'] },
  { name: 'connections', workspaceColumn: 'workspace_id', primaryKey: ['id'] },
  { name: 'element_templates', workspaceColumn: 'workspace_id', primaryKey: ['id'] },
  { name: 'element_revisions', workspaceColumn: 'workspace_id', primaryKey: ['element_id', 'revision'] },
  {
    name: 'element_customizations',
    workspaceColumn: 'workspace_id',
    primaryKey: ['tenant_id', 'element_type', 'key'],
  },
  { name: 'element_deployments', workspaceColumn: 'workspace_id', primaryKey: ['element_id', 'tenant_id'] },
  { name: 'event_subscriptions', workspaceColumn: 'workspace_id', primaryKey: ['id'] },
  { name: 'events', workspaceColumn: 'workspace_id', primaryKey: ['id'] },
  { name: 'event_deliveries', workspaceColumn: 'workspace_id', primaryKey: ['id'] },
  { name: 'usage_records', workspaceColumn: 'workspace_id', primaryKey: ['id'] },
  { name: 'balance_entries', workspaceColumn: 'workspace_id', primaryKey: ['id'] },
  { name: 'tenant_balances', workspaceColumn: 'workspace_id', primaryKey: ['workspace_id', 'tenant_id'] },
  {
    name: 'rate_limit_windows',
    workspaceColumn: 'workspace_id',
    primaryKey: ['workspace_id', 'tenant_id', 'window_start'],
  },
  { name: 'activity_logs', workspaceColumn: 'workspace_id', primaryKey: ['id'] },
  { name: 'idempotency_keys', workspaceColumn: 'workspace_id', primaryKey: ['id'] },
  { name: 'tenant_api_keys', workspaceColumn: 'workspace_id', primaryKey: ['id'] },
];

/** The table named `name`, if a move copies it. */
export function movedTable(name: string): MovedTable | undefined {
  return MOVED_TABLES.find((table) => table.name === name);
}
