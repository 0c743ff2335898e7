import type { Command } from 'commander';

import type { CliContext } from '../core/context.js';
import { printPage } from '../core/output.js';
import { fetchPages, type PageOptions, withPageOptions } from '../core/pages.js';
import { hubClient } from '../core/session.js';
import type { Column } from '../core/table.js';

interface Instance {
  id: string;
  name: string;
  status: string;
  workspaceCount: number;
  acceptsNewWorkspaces: boolean;
  apiUrl: string;
  lastSeenAt: string;
  /** The universe version the instance has applied (API.md, "Universe"). */
  universeVersion: number;
}

/** The columns of `instances list`. */
export const INSTANCE_COLUMNS: Column<Instance>[] = [
  { header: 'ID', value: (i) => i.id },
  { header: 'NAME', value: (i) => i.name },
  { header: 'STATUS', value: (i) => i.status },
  { header: 'WORKSPACES', value: (i) => i.workspaceCount },
  { header: 'ACCEPTS NEW', value: (i) => (i.acceptsNewWorkspaces ? 'yes' : 'no') },
  { header: 'UNIVERSE', value: (i) => i.universeVersion },
  { header: 'API URL', value: (i) => i.apiUrl },
  { header: 'LAST SEEN', value: (i) => i.lastSeenAt },
];

/** `instances list` over the Hub's `/instances` (platform admins only: others get exit 3). */
export function registerInstanceCommands(program: Command, context: CliContext): void {
  const instances = program.command('instances').description('The instance registry (platform admins)');

  withPageOptions(instances.command('list').description('List the registered instances (GET /instances)'))
    .option('--json', 'print the page as the API returns it: { items, cursor }')
    .action(async (options: PageOptions & { json?: boolean }) => {
      const page = await fetchPages(hubClient(context), '/instances', {}, options);
      printPage(context, page, options.json, INSTANCE_COLUMNS);
    });
}
