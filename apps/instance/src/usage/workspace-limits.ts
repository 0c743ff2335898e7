import type { Workspace } from '../workspaces/workspace.entity.js';

/** A non-negative integer setting at `limits.<name>`, or null when unset or not a number. */
export function workspaceLimit(
  workspace: Workspace,
  name: 'aiCreditsRolling30DayLimit' | 'tenantRequestsPerSecond',
): number | null {
  const limits = workspace.settings['limits'];
  if (typeof limits !== 'object' || limits === null) return null;
  const value = (limits as Record<string, unknown>)[name];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}
