import type { Command } from 'commander';

import { segment } from '../core/api-client.js';
import type { CliContext } from '../core/context.js';
import { CliError, ExitCode } from '../core/exit-codes.js';
import { printItem, printPage } from '../core/output.js';
import { fetchPages, type PageOptions, withPageOptions } from '../core/pages.js';
import { POLL_INTERVAL_MS, Progress } from '../core/progress.js';
import { hubClient } from '../core/session.js';
import type { Column } from '../core/table.js';

/** An instance as `GET /instances` lists it. */
export interface Instance {
  id: string;
  name: string;
  status: string;
  workspaceCount: number;
  acceptsNewWorkspaces: boolean;
  apiUrl: string;
  lastSeenAt: string;
  /** The universe version the instance has applied (API.md, "Universe"). */
  universeVersion: number;
  /** The latest migration applied to its database; null: not reported (moves need the same on both sides). */
  schemaLevel?: string | null;
  /** Where draining it is (POST /instances/{id}/drain): `remaining` workspaces still on it; null if never drained, or open to new workspaces again. */
  drain: { state: 'draining' | 'drained' | 'stalled'; remaining: number } | null;
}

/** The columns of `instances list`. */
export const INSTANCE_COLUMNS: Column<Instance>[] = [
  { header: 'ID', value: (i) => i.id },
  { header: 'NAME', value: (i) => i.name },
  { header: 'STATUS', value: (i) => i.status },
  { header: 'WORKSPACES', value: (i) => i.workspaceCount },
  { header: 'ACCEPTS NEW', value: (i) => (i.acceptsNewWorkspaces ? 'yes' : 'no') },
  { header: 'SCHEMA', value: (i) => i.schemaLevel ?? 'unknown' },
  { header: 'UNIVERSE', value: (i) => i.universeVersion },
  { header: 'API URL', value: (i) => i.apiUrl },
  { header: 'LAST SEEN', value: (i) => i.lastSeenAt },
  { header: 'DRAIN', value: (i) => (i.drain ? `${i.drain.state} (${i.drain.remaining} left)` : null) },
];

interface Json {
  json?: boolean;
}

/** `instances list|drain` over the Hub's `/instances` (platform admins only: others get exit 3). */
export function registerInstanceCommands(program: Command, context: CliContext): void {
  const instances = program.command('instances').description('The instance registry (platform admins)');

  withPageOptions(instances.command('list').description('List the registered instances (GET /instances)'))
    .option('--json', 'print the page as the API returns it: { items, cursor }')
    .action(async (options: PageOptions & Json) => {
      const page = await fetchPages(hubClient(context), '/instances', {}, options);
      printPage(context, page, options.json, INSTANCE_COLUMNS);
    });

  instances
    .command('drain')
    .description(
      'Drain an instance: it takes no new workspaces and each of its workspaces is moved to the least loaded other ' +
        'instance (POST /instances/{id}/drain); then follow it until none is left: progress on stderr; ' +
        'exit 0 drained, 8 stalled (a move failed or was aborted), 5 if no other instance can take them',
    )
    .argument('<id>', 'instance id')
    .option('--no-wait', 'print the API response ({ instanceId, started }) and exit; `instances list` shows progress')
    .option('--json', 'print the instance as `instances list --json` shows it where the drain ended')
    .action(async (id: string, options: Json & { wait: boolean }) => {
      const client = hubClient(context);
      const answer = toDrainStarted(await client.request('POST', `/instances/${segment(id)}/drain`, { body: {} }));
      if (!options.wait) {
        printItem(context, answer, options.json);
        return;
      }
      context.err(`Draining ${id}: ${String(answer.started)} ${answer.started === 1 ? 'move' : 'moves'} started.`);
      const progress = new Progress(context);
      for (;;) {
        const page = await fetchPages(client, '/instances', {}, { all: true });
        const instance = (page.items as Instance[]).find((item) => item.id === id);
        if (!instance) throw new CliError(ExitCode.NotFound, `Instance ${id} is no longer registered.`);
        const state = drainState(toDrainedInstance(instance));
        progress.show(
          `${state}\n${instance.workspaceCount}`,
          `${id}: ${state}, ${instance.workspaceCount} ${instance.workspaceCount === 1 ? 'workspace' : 'workspaces'} left`,
        );
        if (state === 'drained' || state === 'stalled') {
          progress.clear();
          printItem(context, instance, options.json);
          if (state === 'stalled') {
            throw new CliError(
              ExitCode.Failed,
              `The drain of ${id} stalled: a move failed or was aborted and ${instance.workspaceCount} ` +
                'workspaces are left on it (`workspaces move-status` says why); drain it again.',
            );
          }
          return;
        }
        await context.sleep(POLL_INTERVAL_MS);
      }
    });
}

/**
 * Where the drain of `instance` is: the Hub's `drain.state`, or, when it started no move (its workspaces were
 * moving already, or it had none), `drained` once no workspace is left on it and `draining` until then.
 */
export function drainState(instance: Instance): 'draining' | 'drained' | 'stalled' {
  if (instance.drain) return instance.drain.state;
  return instance.workspaceCount === 0 ? 'drained' : 'draining';
}

const DRAIN_STATES: readonly string[] = ['draining', 'drained', 'stalled'];

/** The Hub's answer to `POST /instances/{id}/drain`; exit 7 if it is not one (`{ instanceId, started }`). */
function toDrainStarted(value: unknown): { instanceId: string; started: number } {
  const answer = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof answer['instanceId'] !== 'string' || !Number.isSafeInteger(answer['started'])) {
    throw new CliError(ExitCode.ServerOrNetwork, `The Hub did not answer with a drain: ${snippet(value)}`);
  }
  return value as { instanceId: string; started: number };
}

/**
 * The listed instance, when it says where its drain is (a `workspaceCount`, a `drain` null or in a known
 * state); exit 7 otherwise, rather than following a drain whose end it could never tell.
 */
function toDrainedInstance(instance: Instance): Instance {
  const drain = instance.drain as unknown;
  const state = typeof drain === 'object' && drain !== null ? (drain as Record<string, unknown>)['state'] : undefined;
  if (!Number.isSafeInteger(instance.workspaceCount) || (drain !== null && !DRAIN_STATES.includes(String(state)))) {
    throw new CliError(ExitCode.ServerOrNetwork, `The Hub did not answer with an instance: ${snippet(instance)}`);
  }
  return instance;
}

function snippet(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
