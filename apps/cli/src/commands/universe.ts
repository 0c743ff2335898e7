import { readFileSync } from 'node:fs';

import { Argument, type Command, InvalidArgumentError } from 'commander';

import { segment } from '../core/api-client.js';
import type { CliContext } from '../core/context.js';
import { printItem, printPage } from '../core/output.js';
import { fetchPages, type PageOptions, withPageOptions } from '../core/pages.js';
import { hubClient } from '../core/session.js';
import type { Column } from '../core/table.js';

/** The `{utype}` paths of the Hub's universe (API.md, "Universe"). */
export const UNIVERSE_TYPES = ['connectors', 'external-apps', 'actions', 'flows', 'field-mappings', 'data-sources'];

interface UniverseElement {
  key: string;
  name: string;
  revision: number;
  universeVersion: number;
  updatedAt: string;
  archivedAt: string | null;
}

interface UniverseRevision {
  revision: number;
  name: string;
  createdBy: string | null;
  createdAt: string;
}

/** The columns of `universe list`. */
export const UNIVERSE_COLUMNS: Column<UniverseElement>[] = [
  { header: 'KEY', value: (e) => e.key },
  { header: 'NAME', value: (e) => e.name },
  { header: 'REVISION', value: (e) => e.revision },
  { header: 'UNIVERSE VERSION', value: (e) => e.universeVersion },
  { header: 'UPDATED', value: (e) => e.updatedAt },
  { header: 'ARCHIVED', value: (e) => e.archivedAt },
];

/** The columns of `universe revisions`. */
export const UNIVERSE_REVISION_COLUMNS: Column<UniverseRevision>[] = [
  { header: 'REVISION', value: (r) => r.revision },
  { header: 'NAME', value: (r) => r.name },
  { header: 'CREATED BY', value: (r) => r.createdBy },
  { header: 'CREATED', value: (r) => r.createdAt },
];

/**
 * `--definition`: a JSON object given inline, or `@path` to read it from a file (`@-` is not supported:
 * stdin may carry the login token). Anything else is commander's usage error (exit 1); the Hub checks
 * size and depth (exit 6).
 */
export function parseDefinition(value: string): Record<string, unknown> {
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = readFileSync(value.slice(1), 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new InvalidArgumentError(`cannot read ${value.slice(1)}: ${reason}.`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`is not JSON (${(error as Error).message}).`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError('must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

interface Json {
  json?: boolean;
}

/**
 * `universe list|get|create|update|archive|restore|revisions` over the Hub's `/universe/{utype}`
 * (API.md, "Universe"): any user reads; writes are for platform admins (others: 403, exit 3).
 */
export function registerUniverseCommands(program: Command, context: CliContext): void {
  const universe = program
    .command('universe')
    .description('Platform-wide public elements every workspace reads (writes: platform admins)');
  const utype = () => new Argument('<utype>', 'the element type').choices(UNIVERSE_TYPES);
  const path = (type: string, key?: string, action = '') =>
    `/universe/${segment(type)}${key === undefined ? '' : `/${segment(key)}`}${action}`;

  withPageOptions(universe.command('list').description('List universe elements of a type (GET /universe/{utype})'))
    .addArgument(utype())
    .option('--include-archived', 'list archived elements too')
    .option('--json', 'print the page as the API returns it: { items, cursor }')
    .action(async (type: string, options: PageOptions & Json & { includeArchived?: boolean }) => {
      const query = { includeArchived: options.includeArchived ? true : undefined };
      const page = await fetchPages(hubClient(context), path(type), query, options);
      printPage(context, page, options.json, UNIVERSE_COLUMNS);
    });

  universe
    .command('get')
    .description('Show a universe element at its current revision (GET /universe/{utype}/{key})')
    .addArgument(utype())
    .argument('<key>', 'the element key')
    .option('--json', 'print the API response')
    .action(async (type: string, key: string, options: Json) => {
      printItem(context, await hubClient(context).request('GET', path(type, key)), options.json);
    });

  universe
    .command('create')
    .description('Create a universe element, revision 1 (POST /universe/{utype}; exit 5 if the key exists)')
    .addArgument(utype())
    .requiredOption('--key <key>', 'unique within its type: letters, digits, ".", "_" and "-", at most 100')
    .requiredOption('--name <name>', 'the name, 1-200 characters')
    .requiredOption('--definition <json|@file>', 'a JSON object, inline or read from a file', parseDefinition)
    .option('--json', 'print the API response')
    .action(async (type: string, options: Json & { key: string; name: string; definition: object }) => {
      const body = { key: options.key, name: options.name, definition: options.definition };
      printItem(context, await hubClient(context).request('POST', path(type), { body }), options.json);
    });

  universe
    .command('update')
    .description('Write a new revision of a universe element (PUT /universe/{utype}/{key})')
    .addArgument(utype())
    .argument('<key>', 'the element key')
    .option('--name <name>', 'a new name (unchanged when absent)')
    .requiredOption('--definition <json|@file>', 'the whole new definition, inline or from a file', parseDefinition)
    .option('--json', 'print the API response')
    .action(async (type: string, key: string, options: Json & { name?: string; definition: object }) => {
      const body = { ...(options.name === undefined ? {} : { name: options.name }), definition: options.definition };
      printItem(context, await hubClient(context).request('PUT', path(type, key), { body }), options.json);
    });

  universe
    .command('archive')
    .description('Archive a universe element: instances hide it (DELETE /universe/{utype}/{key})')
    .addArgument(utype())
    .argument('<key>', 'the element key')
    .option('--json', 'print the element as it now is')
    .action(async (type: string, key: string, options: Json) => {
      const client = hubClient(context);
      await client.request('DELETE', path(type, key));
      // DELETE answers 204; the element as it now is, so that both ends of archive/restore print the same shape.
      printItem(context, await client.request('GET', path(type, key)), options.json);
    });

  universe
    .command('restore')
    .description('Restore an archived universe element (POST /universe/{utype}/{key}/restore)')
    .addArgument(utype())
    .argument('<key>', 'the element key')
    .option('--json', 'print the API response')
    .action(async (type: string, key: string, options: Json) => {
      const answer = await hubClient(context).request('POST', path(type, key, '/restore'), { body: {} });
      printItem(context, answer, options.json);
    });

  withPageOptions(
    universe
      .command('revisions')
      .description("A universe element's revisions, oldest first (GET /universe/{utype}/{key}/revisions)"),
  )
    .addArgument(utype())
    .argument('<key>', 'the element key')
    .option('--json', 'print the page as the API returns it: { items, cursor }')
    .action(async (type: string, key: string, options: PageOptions & Json) => {
      const page = await fetchPages(hubClient(context), path(type, key, '/revisions'), {}, options);
      printPage(context, page, options.json, UNIVERSE_REVISION_COLUMNS);
    });
}
