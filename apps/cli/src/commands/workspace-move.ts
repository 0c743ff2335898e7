import type { Command } from 'commander';

import { type ApiClient, segment } from '../core/api-client.js';
import type { CliContext } from '../core/context.js';
import { CliError, ExitCode } from '../core/exit-codes.js';
import { printItem } from '../core/output.js';
import { POLL_INTERVAL_MS, Progress } from '../core/progress.js';
import { hubClient } from '../core/session.js';

/** The states of a move (API.md, "Moving a workspace to another instance"), in the order a move goes. */
export const MOVE_STATES = ['copying', 'catching_up', 'cutover', 'done', 'failed', 'aborted'] as const;
export type MoveState = (typeof MOVE_STATES)[number];

/** The states a move ends in. */
const FINAL_STATES: readonly MoveState[] = ['done', 'failed', 'aborted'];

/** A workspace move as the Hub answers it (`WorkspaceMoveDto`). */
export interface WorkspaceMove {
  id: string;
  fromInstanceId: string;
  toInstanceId: string;
  state: MoveState;
  startedAt: string;
  finishedAt: string | null;
  /** Rows written to the target by the copy and the catch-up. */
  rowsCopied: number;
  /** How long writes were held at the cutover, in milliseconds; null before it. */
  writePauseMs: number | null;
  /** Why it failed, or the last error of a step being retried. */
  error: string | null;
}

interface MoveOptions {
  json?: boolean;
}

/**
 * `workspaces move|move-status|move-abort` over the Hub's `/org-workspaces/{id}/move` (API.md, "Moving a
 * workspace to another instance"). Moving and aborting are for platform admins and the org's owner (an owner
 * only to an instance that accepts new workspaces: else 403, exit 3); any member reads the status.
 */
export function registerMoveCommands(workspaces: Command, context: CliContext): void {
  const path = (id: string, action = '') => `/org-workspaces/${segment(id)}/move${action}`;

  workspaces
    .command('move')
    .description(
      'Move a workspace to another instance (POST /org-workspaces/{id}/move) and follow it until it is done: ' +
        'progress on stderr; exit 0 done, 8 failed, 9 aborted, 5 if it is on that instance already or moving',
    )
    .argument('<id>', 'workspace id')
    .requiredOption('--to <instanceId>', 'the instance to move it to')
    .option('--no-wait', 'print the move as started and exit; follow it later with `workspaces move-status --wait`')
    .option('--json', 'print the move as the Hub last answered it (where it ended, or as started with --no-wait)')
    .action(async (id: string, options: MoveOptions & { to: string; wait: boolean }) => {
      const client = hubClient(context);
      const started = toMove(await client.request('POST', path(id), { body: { instanceId: options.to } }));
      if (!options.wait) {
        printItem(context, started, options.json);
        return;
      }
      report(context, await followMove(context, client, path(id), started), options.json);
    });

  workspaces
    .command('move-status')
    .description("Show the workspace's latest move (GET /org-workspaces/{id}/move; exit 4 if it was never moved)")
    .argument('<id>', 'workspace id')
    .option('--wait', 'follow a running move until it ends, with the exit codes of `workspaces move`')
    .option('--json', 'print the move as the Hub answers it')
    .action(async (id: string, options: MoveOptions & { wait?: boolean }) => {
      const client = hubClient(context);
      const latest = toMove(await client.request('GET', path(id)));
      if (!options.wait) {
        printItem(context, latest, options.json);
        return;
      }
      report(context, await followMove(context, client, path(id), latest), options.json);
    });

  workspaces
    .command('move-abort')
    .description(
      "Abort the workspace's running move before its cutover; the source stays authoritative " +
        '(POST /org-workspaces/{id}/move/abort; exit 5 if none is running or it is at its cutover)',
    )
    .argument('<id>', 'workspace id')
    .option('--json', 'print the API response: the move, aborted')
    .action(async (id: string, options: MoveOptions) => {
      printItem(
        context,
        toMove(await hubClient(context).request('POST', path(id, '/abort'), { body: {} })),
        options.json,
      );
    });
}

/**
 * Polls the move at `movePath` every POLL_INTERVAL_MS, showing its progress, until it is done, failed or aborted,
 * and returns it as it ended.
 * @throws CliError as the API client does; exit 7 if the Hub answers with another move (a newer one started after
 *   this one ended, before it was seen ending).
 */
export async function followMove(
  context: CliContext,
  client: ApiClient,
  movePath: string,
  first: WorkspaceMove,
): Promise<WorkspaceMove> {
  const progress = new Progress(context);
  let move = first;
  for (;;) {
    progress.show(`${move.state}\n${move.error ?? ''}`, describeMove(move));
    if (FINAL_STATES.includes(move.state)) break;
    await context.sleep(POLL_INTERVAL_MS);
    let latest: WorkspaceMove;
    try {
      latest = toMove(await client.request('GET', movePath));
    } catch (error) {
      progress.clear();
      if (!(error instanceof CliError)) throw error;
      throw new CliError(
        error.exitCode,
        `${error.message}\n(The move goes on: follow it with \`move-status --wait\`.)`,
      );
    }
    if (latest.id !== first.id) {
      progress.clear();
      throw new CliError(
        ExitCode.ServerOrNetwork,
        `Move ${first.id} ended and move ${latest.id} started before this saw how; see \`workspaces move-status\`.`,
      );
    }
    move = latest;
  }
  progress.clear();
  return move;
}

/** One line of progress: where the move is, what it has copied, the error of a step being retried. */
export function describeMove(move: WorkspaceMove): string {
  const rows = `${move.rowsCopied} ${move.rowsCopied === 1 ? 'row' : 'rows'} copied`;
  const pause = move.writePauseMs === null ? '' : `, writes held ${move.writePauseMs} ms`;
  const error = move.error === null ? '' : ` (${move.state === 'failed' ? '' : 'retrying: '}${move.error})`;
  return `Move ${move.id} ${move.fromInstanceId} -> ${move.toInstanceId}: ${move.state}, ${rows}${pause}${error}`;
}

/** Prints the move where it ended; a move that did not end `done` is exit 8 (failed) or 9 (aborted). */
function report(context: CliContext, move: WorkspaceMove, json: boolean | undefined): void {
  printItem(context, move, json);
  if (move.state === 'failed') {
    throw new CliError(ExitCode.Failed, `The move failed: ${move.error ?? 'no reason given'}`);
  }
  if (move.state === 'aborted') {
    throw new CliError(ExitCode.Aborted, `The move was aborted; the workspace stays on ${move.fromInstanceId}.`);
  }
}

/** The Hub's answer as a move; exit 7 if it is not one. */
function toMove(value: unknown): WorkspaceMove {
  const move = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (
    typeof move['id'] !== 'string' ||
    typeof move['fromInstanceId'] !== 'string' ||
    typeof move['toInstanceId'] !== 'string' ||
    !MOVE_STATES.includes(move['state'] as MoveState) ||
    typeof move['rowsCopied'] !== 'number'
  ) {
    const text = JSON.stringify(value) ?? String(value);
    throw new CliError(
      ExitCode.ServerOrNetwork,
      `The Hub did not answer with a move: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`,
    );
  }
  return value as WorkspaceMove;
}
