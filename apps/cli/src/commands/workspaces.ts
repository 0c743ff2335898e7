import type { Command } from 'commander';

import { segment } from '../core/api-client.js';
import { parseSeconds } from '../core/arguments.js';
import type { CliContext } from '../core/context.js';
import { CliError, ExitCode } from '../core/exit-codes.js';
import { printItem, printPage } from '../core/output.js';
import { fetchPages, type PageOptions, withPageOptions } from '../core/pages.js';
import { hubClient } from '../core/session.js';
import type { Column } from '../core/table.js';
import { registerMoveCommands } from './workspace-move.js';

interface Workspace {
  id: string;
  name: string;
  key: string;
  instanceId: string;
  archivedAt: string | null;
  sync?: { state?: string; version?: number; appliedVersion?: number };
}

/** The columns of `workspaces list`. */
export const WORKSPACE_COLUMNS: Column<Workspace>[] = [
  { header: 'ID', value: (w) => w.id },
  { header: 'NAME', value: (w) => w.name },
  { header: 'KEY', value: (w) => w.key },
  { header: 'INSTANCE', value: (w) => w.instanceId },
  { header: 'SYNC', value: (w) => (w.sync ? `${w.sync.state} (${w.sync.appliedVersion}/${w.sync.version})` : null) },
  { header: 'ARCHIVED', value: (w) => w.archivedAt },
];

interface Json {
  json?: boolean;
}

/**
 * `workspaces list|create|get|rotate-secret|archive|restore|token` over the Hub's `/org-workspaces`, and
 * `move|move-status|move-abort` (see workspace-move.ts).
 */
export function registerWorkspaceCommands(program: Command, context: CliContext): void {
  const workspaces = program.command('workspaces').description("Your orgs' workspaces");
  const path = (id: string, action = '') => `/org-workspaces/${segment(id)}${action}`;

  withPageOptions(workspaces.command('list').description("List an org's workspaces (GET /org-workspaces)"))
    .requiredOption('--org <orgId>', 'the org whose workspaces to list')
    .option('--include-archived', 'list archived workspaces too')
    .option('--json', 'print the page as the API returns it: { items, cursor }')
    .action(async (options: PageOptions & Json & { org: string; includeArchived?: boolean }) => {
      const query = { orgId: options.org, includeArchived: options.includeArchived ? true : undefined };
      const page = await fetchPages(hubClient(context), '/org-workspaces', query, options);
      printPage(context, page, options.json, WORKSPACE_COLUMNS);
    });

  workspaces
    .command('create')
    .description('Create a workspace; the Hub places it on an instance (POST /org-workspaces)')
    .argument('<name>', 'the workspace name, 1-200 characters')
    .requiredOption('--org <orgId>', 'the org to create it in (you must be its owner or an admin)')
    .option('--instance <instanceId>', 'place it on this instance instead of letting the Hub choose')
    .option('--json', 'print the API response')
    .action(async (name: string, options: Json & { org: string; instance?: string }) => {
      const body = { orgId: options.org, name, ...(options.instance ? { instanceId: options.instance } : {}) };
      printItem(context, await hubClient(context).request('POST', '/org-workspaces', { body }), options.json);
      if (!options.json) context.err('The workspace secret is shown only here; keep it now.');
    });

  workspaces
    .command('get')
    .description('Show a workspace with its sync state (GET /org-workspaces/{id})')
    .argument('<id>', 'workspace id')
    .option('--json', 'print the API response')
    .action(async (id: string, options: Json) => {
      printItem(context, await hubClient(context).request('GET', path(id)), options.json);
    });

  workspaces
    .command('rotate-secret')
    .description('Rotate the workspace secret (POST /org-workspaces/{id}/rotate-secret)')
    .argument('<id>', 'workspace id')
    .option(
      '--grace-period <seconds>',
      'how long the previous secret stays valid, 0-604800 (the API default: 86400)',
      parseSeconds,
    )
    .option('--json', 'print the API response')
    .action(async (id: string, options: Json & { gracePeriod?: number }) => {
      const body = options.gracePeriod === undefined ? {} : { gracePeriodSeconds: options.gracePeriod };
      printItem(context, await hubClient(context).request('POST', path(id, '/rotate-secret'), { body }), options.json);
    });

  for (const [name, description] of [
    ['archive', 'Archive a workspace: its instance refuses every token for it (exit 5 if archived already)'],
    ['restore', 'Restore an archived workspace (exit 5 if it is not archived)'],
  ] as const) {
    workspaces
      .command(name)
      .description(`${description} (POST /org-workspaces/{id}/${name})`)
      .argument('<id>', 'workspace id')
      .option('--json', 'print the API response')
      .action(async (id: string, options: Json) => {
        printItem(context, await hubClient(context).request('POST', path(id, `/${name}`), { body: {} }), options.json);
      });
  }

  workspaces
    .command('token')
    .description(
      "Issue an access token for the workspace's instance: a workspace-admin token by default, or one " +
        'for a tenant (POST /org-workspaces/{id}/access-token)',
    )
    .argument('<id>', 'workspace id')
    .option('--tenant-id <tenantId>', 'a token for this tenant (by its id)')
    .option('--tenant-key <internalId>', 'a token for this tenant (by its internalId; a new one creates the tenant)')
    .option('--expires-in <seconds>', 'lifetime (the API default: 3600)', parseSeconds)
    .option('--json', 'print the API response: { token, expiresAt }')
    .action(async (id: string, options: Json & { tenantId?: string; tenantKey?: string; expiresIn?: number }) => {
      if (options.tenantId && options.tenantKey) {
        throw new CliError(ExitCode.Usage, 'Give --tenant-id or --tenant-key, not both.');
      }
      const body = {
        ...(options.tenantId
          ? { tenantId: options.tenantId }
          : options.tenantKey
            ? { tenantKey: options.tenantKey }
            : { isAdmin: true }),
        ...(options.expiresIn === undefined ? {} : { expiresIn: options.expiresIn }),
      };
      printItem(context, await hubClient(context).request('POST', path(id, '/access-token'), { body }), options.json);
    });

  registerMoveCommands(workspaces, context);
}
