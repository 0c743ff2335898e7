import type { Command } from 'commander';

import { ApiClient, segment } from '../core/api-client.js';
import type { CliContext } from '../core/context.js';
import { CliError, ExitCode } from '../core/exit-codes.js';
import { printItem, printPage } from '../core/output.js';
import { fetchPages, type PageOptions, withPageOptions } from '../core/pages.js';
import { hubClient } from '../core/session.js';
import type { Column } from '../core/table.js';

interface Tenant {
  id: string;
  internalId: string;
  name: string;
  hasCredentials: boolean;
  createdAt: string;
  archivedAt: string | null;
}

/** The columns of `tenants list`. */
export const TENANT_COLUMNS: Column<Tenant>[] = [
  { header: 'ID', value: (t) => t.id },
  { header: 'INTERNAL ID', value: (t) => t.internalId },
  { header: 'NAME', value: (t) => t.name },
  { header: 'CREDENTIALS', value: (t) => (t.hasCredentials ? 'yes' : 'no') },
  { header: 'CREATED', value: (t) => t.createdAt },
  { header: 'ARCHIVED', value: (t) => t.archivedAt },
];

/** Lifetime of the admin token a tenants command asks the Hub for: long enough for `--all` over a big workspace. */
const ADMIN_TOKEN_SECONDS = 600;

/**
 * A client for a workspace's instance, as the console reaches it: the workspace's `apiUrl` from the
 * Hub, and a short-lived workspace-admin token the Hub issues (owners and admins of its org).
 */
export async function workspaceAdminClient(context: CliContext, workspaceId: string): Promise<ApiClient> {
  const hub = hubClient(context);
  const path = `/org-workspaces/${segment(workspaceId)}`;
  const workspace = (await hub.request('GET', path)) as { apiUrl?: unknown };
  const issued = (await hub.request('POST', `${path}/access-token`, {
    body: { isAdmin: true, expiresIn: ADMIN_TOKEN_SECONDS },
  })) as { token?: unknown };
  if (typeof workspace.apiUrl !== 'string' || typeof issued.token !== 'string') {
    throw new CliError(ExitCode.ServerOrNetwork, 'The Hub did not answer with the workspace apiUrl and a token.');
  }
  return new ApiClient(
    workspace.apiUrl,
    issued.token,
    context.fetch,
    `the instance at ${workspace.apiUrl}`,
    context.timeoutMs,
  );
}

/** `tenants list|get`: a workspace's tenants, read from its instance with a Hub-issued admin token. */
export function registerTenantCommands(program: Command, context: CliContext): void {
  const tenants = program
    .command('tenants')
    .description("A workspace's tenants (customers), read from its instance with an admin token from the Hub");

  withPageOptions(tenants.command('list').description("List a workspace's tenants (GET {apiUrl}/tenants)"))
    .requiredOption('--workspace <workspaceId>', 'the workspace (you must be an owner or admin of its org)')
    .option('--search <text>', 'only tenants whose name or internalId contains this (case-insensitive)')
    .option('--include-archived', 'list archived tenants too')
    .option('--json', 'print the page as the API returns it: { items, cursor }')
    .action(
      async (
        options: PageOptions & { workspace: string; search?: string; includeArchived?: boolean; json?: boolean },
      ) => {
        const instance = await workspaceAdminClient(context, options.workspace);
        const query = { search: options.search, includeArchived: options.includeArchived ? true : undefined };
        printPage(context, await fetchPages(instance, '/tenants', query, options), options.json, TENANT_COLUMNS);
      },
    );

  tenants
    .command('get')
    .description('Show a tenant (GET {apiUrl}/tenants/{id}); credentials are never shown')
    .argument('<tenantId>', 'tenant id')
    .requiredOption('--workspace <workspaceId>', 'the workspace the tenant belongs to')
    .option('--json', 'print the API response')
    .action(async (tenantId: string, options: { workspace: string; json?: boolean }) => {
      const instance = await workspaceAdminClient(context, options.workspace);
      printItem(context, await instance.request('GET', `/tenants/${segment(tenantId)}`), options.json);
    });
}
