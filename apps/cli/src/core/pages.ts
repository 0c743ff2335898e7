import { type Command, InvalidArgumentError } from 'commander';

import type { ApiClient, QueryValue } from './api-client.js';
import { CliError, ExitCode } from './exit-codes.js';

/** A cursor page as every list of the API returns it. */
export interface Page {
  items: unknown[];
  cursor: string | null;
}

/** `--limit`, `--cursor`, `--all` as parsed. */
export interface PageOptions {
  limit?: number;
  cursor?: string;
  all?: boolean;
}

/** The API's bounds for `limit` (PageQueryDto: 1–1000, default 100). */
export const MAX_LIMIT = 1000;

/** Adds `--limit`, `--cursor` and `--all` to a list command. */
export function withPageOptions(command: Command): Command {
  return command
    .option('--limit <n>', `items per page, 1-${MAX_LIMIT} (the API's default: 100)`, parseLimit)
    .option('--cursor <cursor>', 'start after this cursor (printed by the previous page)')
    .option('--all', 'follow the cursor to the last page and print every item');
}

/** `--limit`: an integer from 1 to 1000, else commander's usage error (exit 1). */
export function parseLimit(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number from 1 to 1000.');
  const limit = Number(value);
  if (limit < 1 || limit > MAX_LIMIT) throw new InvalidArgumentError('must be from 1 to 1000.');
  return limit;
}

/**
 * One page (from `cursor`), or with `all` every page from there, concatenated with `cursor: null`.
 * Throws exit code 7 if the answer is not a page, or if the service hands back a cursor it gave before
 * (which would loop forever: `a → b → a …` as well as `a → a`).
 */
export async function fetchPages(
  client: ApiClient,
  path: string,
  query: Record<string, QueryValue>,
  options: PageOptions,
): Promise<Page> {
  const items: unknown[] = [];
  let cursor = options.cursor;
  const seen = new Set<string>(cursor === undefined ? [] : [cursor]);
  for (;;) {
    const body = await client.request('GET', path, { query: { ...query, limit: options.limit, cursor } });
    if (!isPage(body)) {
      throw new CliError(ExitCode.ServerOrNetwork, `${path} did not answer with a page ({ items, cursor }).`);
    }
    if (!options.all) return body;
    items.push(...body.items);
    if (body.cursor === null) return { items, cursor: null };
    if (seen.has(body.cursor)) {
      throw new CliError(ExitCode.ServerOrNetwork, `${path} returned a cursor it had returned before; stopping.`);
    }
    seen.add(body.cursor);
    cursor = body.cursor;
  }
}

function isPage(value: unknown): value is Page {
  if (typeof value !== 'object' || value === null) return false;
  const { items, cursor } = value as Record<string, unknown>;
  return Array.isArray(items) && (cursor === null || typeof cursor === 'string');
}
