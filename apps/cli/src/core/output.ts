import type { CliContext } from './context.js';
import type { Page } from './pages.js';
import { type Column, formatRecord, formatTable } from './table.js';

/**
 * A page: with `json`, the API's `{ items, cursor }` as is (one line of JSON);
 * otherwise a table, and on stderr how to get the next page when there is one.
 */
export function printPage<Row>(
  context: CliContext,
  page: Page,
  json: boolean | undefined,
  columns: readonly Column<Row>[],
): void {
  if (json) {
    context.out(JSON.stringify(page));
    return;
  }
  context.out(formatTable(page.items as Row[], columns));
  if (page.cursor !== null) context.err(`More: run again with --cursor ${page.cursor} (or --all).`);
}

/** One object: with `json`, as the API returned it; otherwise a FIELD/VALUE table. */
export function printItem(context: CliContext, item: unknown, json: boolean | undefined): void {
  if (json || typeof item !== 'object' || item === null || Array.isArray(item)) {
    context.out(JSON.stringify(item));
    return;
  }
  context.out(formatRecord(item as Record<string, unknown>));
}
