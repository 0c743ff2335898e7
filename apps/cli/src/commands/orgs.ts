import type { Command } from 'commander';

import { segment } from '../core/api-client.js';
import type { CliContext } from '../core/context.js';
import { printItem, printPage } from '../core/output.js';
import { fetchPages, type PageOptions, withPageOptions } from '../core/pages.js';
import { hubClient } from '../core/session.js';
import type { Column } from '../core/table.js';

interface Org {
  id: string;
  name: string;
  role: string;
  createdAt: string;
}

/** The columns of `orgs list`. */
export const ORG_COLUMNS: Column<Org>[] = [
  { header: 'ID', value: (org) => org.id },
  { header: 'NAME', value: (org) => org.name },
  { header: 'ROLE', value: (org) => org.role },
  { header: 'CREATED', value: (org) => org.createdAt },
];

/** `orgs list|get|create` over the Hub's `/orgs`. */
export function registerOrgCommands(program: Command, context: CliContext): void {
  const orgs = program.command('orgs').description('Orgs you are a member of');

  withPageOptions(orgs.command('list').description('List your orgs (GET /orgs)'))
    .option('--json', 'print the page as the API returns it: { items, cursor }')
    .action(async (options: PageOptions & { json?: boolean }) => {
      const page = await fetchPages(hubClient(context), '/orgs', {}, options);
      printPage(context, page, options.json, ORG_COLUMNS);
    });

  orgs
    .command('get')
    .description('Show an org you are a member of (GET /orgs/{id})')
    .argument('<id>', 'org id')
    .option('--json', 'print the API response')
    .action(async (id: string, options: { json?: boolean }) => {
      printItem(context, await hubClient(context).request('GET', `/orgs/${segment(id)}`), options.json);
    });

  orgs
    .command('create')
    .description('Create an org; you become its owner (POST /orgs)')
    .argument('<name>', 'the org name, 1-200 characters')
    .option('--json', 'print the API response')
    .action(async (name: string, options: { json?: boolean }) => {
      printItem(context, await hubClient(context).request('POST', '/orgs', { body: { name } }), options.json);
    });
}
