import type { Readable } from 'node:stream';

import type { WorkspacePlacement } from '@switchboard/contracts';

import type { PlacementTable } from '../placements/placement-table.js';

/*
 * How the gateway follows a workspace that moves (API.md, "Moving a workspace
 * to another instance"; the gateway follows a move "without the client
 * noticing"). At a move's cutover the source holds the workspace's requests
 * (at most about 1.5 s), then answers them `307` to the target once the
 * workspace lives there, or `503 workspace_moving` if the cutover lasts
 * longer; a write that reached Postgres just as the source froze is rolled
 * back and answered `503 workspace_moving` too. Each of these says the request
 * was not applied — the `307` and the gate's `503` are answered before the
 * request is read, the trigger's `503` after its transaction rolled back
 * ("nothing was changed") — so sending it again cannot apply it twice,
 * whatever its method. The gateway sends it again, to the instance the Hub
 * names:
 *
 * - `307`/`308` from an instance: once the placement table names another
 *   instance for the workspace (the Hub publishes the new placement right
 *   after the cutover; waited for MOVE_PLACEMENT_WAIT_MS at most), the request
 *   goes there. Never to the `Location` as such: the gateway sends requests
 *   only where the Hub places workspaces.
 * - `503` with the problem code `workspace_moving`: again after a short pause
 *   (RETRY_DELAY_MS per try so far), to where the table places the workspace then.
 *
 * Nothing else is sent twice: a `502`/`504` or any other answer may follow a
 * request that was applied, and is passed on as it is. Only a request whose
 * body the gateway still holds can be sent again: none, or one of at most
 * REPLAY_BODY_BYTES (every body is read whole before it is sent, up to that
 * size: request-body.ts). A larger body is streamed, and a `307` or `503` for
 * it reaches the client, who repeats it (RFC 9110 §15.4.8).
 * At most MAX_MOVE_HOPS sends follow the first.
 */

/** Bodies up to this many bytes are held so that the request can be sent again (1 MiB: every JSON call of the API). */
export const REPLAY_BODY_BYTES = 1024 * 1024;
/**
 * The bodies held at once, all requests together, at most this many bytes (64 MiB): a request whose body
 * finds no room is refused (`503 gateway_busy`), so that many concurrent requests (each up to
 * REPLAY_BODY_BYTES, sent slowly) cannot hold the gateway's memory.
 */
export const REPLAY_BUDGET_BYTES = 64 * 1024 * 1024;
/** Sends of one request after the first, at most. */
export const MAX_MOVE_HOPS = 10;
/** How long a request answered `307` waits for the Hub's new placement of its workspace, in ms. */
export const MOVE_PLACEMENT_WAIT_MS = 5000;
/** The pause before a request answered `503 workspace_moving` is sent again, times the sends so far, in ms. */
export const RETRY_DELAY_MS = 100;
/** Answers read whole to decide whether they are a move's (a `307` has no body, a problem a few hundred bytes). */
const SMALL_ANSWER_BYTES = 16 * 1024;
const PLACEMENT_POLL_MS = 20;

/**
 * The bytes of request bodies the gateway holds at once, within a limit
 * (REPLAY_BUDGET_BYTES by default): each part of a body is reserved as it
 * arrives (readRequestBody), and its bytes are released when its answer has
 * been sent (or its client went away).
 */
export class HeldBytes {
  private held = 0;

  constructor(readonly limit = REPLAY_BUDGET_BYTES) {}

  /** The bytes reserved now. */
  get current(): number {
    return this.held;
  }

  /** Reserves `bytes`; false, reserving nothing, when that would go over the limit. */
  reserve(bytes: number): boolean {
    if (this.held + bytes > this.limit) return false;
    this.held += bytes;
    return true;
  }

  /** Gives back `bytes` reserved before. */
  release(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
  }
}

/** A request body the gateway holds, so that it can send it again: `none` (no body), or its bytes and type. */
export type HeldBody = 'none' | { bytes: Buffer; contentType: string };

/** Whether an instance's answer is one a move explains, so that the request may be sent again (see the module docs). */
export type MoveAnswer = 'redirected' | 'moving' | 'other';

/**
 * Whether an answer with this status can be a move's (`307`/`308`, `503`): only those are classified
 * (classifyAnswer); any other is passed on as it comes, without waiting for anything.
 */
export function mayBeMoveAnswer(status: number): boolean {
  return status === 307 || status === 308 || status === 503;
}

/**
 * What an instance's answer says of a move: `redirected` (`307`/`308`),
 * `moving` (`503` problem `workspace_moving`) or `other`; with the body read
 * when it had to be (a small `503`), which is then what the client gets if it
 * is `other`. A large answer is `other` without being read.
 */
export async function classifyAnswer(
  status: number,
  headers: Record<string, string | number | string[] | undefined>,
  stream: Readable,
): Promise<{ kind: MoveAnswer; body?: Buffer }> {
  const length = Number(headers['content-length'] ?? Number.NaN);
  const small = Number.isSafeInteger(length) && length <= SMALL_ANSWER_BYTES;
  if ((status === 307 || status === 308) && small) {
    const body = await readAll(stream, SMALL_ANSWER_BYTES);
    return { kind: body === undefined ? 'other' : 'redirected', ...(body ? { body } : {}) };
  }
  const contentType = String(headers['content-type'] ?? '');
  if (status !== 503 || !small || !contentType.startsWith('application/problem+json')) return { kind: 'other' };
  const body = await readAll(stream, SMALL_ANSWER_BYTES);
  if (body === undefined) return { kind: 'other' };
  try {
    const problem: unknown = JSON.parse(body.toString('utf8'));
    const code = typeof problem === 'object' && problem !== null ? (problem as { code?: unknown }).code : undefined;
    return { kind: code === 'workspace_moving' ? 'moving' : 'other', body };
  } catch {
    return { kind: 'other', body };
  }
}

/**
 * The workspace's placement once the table names an instance other than
 * `instanceId` (the one that redirected), waiting `timeoutMs` at most;
 * undefined if it never did in that time (or the workspace is no longer placed).
 */
export async function placementAwayFrom(
  table: PlacementTable,
  workspaceKey: string,
  instanceId: string,
  timeoutMs = MOVE_PLACEMENT_WAIT_MS,
): Promise<WorkspacePlacement | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const placement = table.lookup(workspaceKey);
    if (placement === undefined) return undefined;
    if (placement.instanceId !== instanceId) return placement;
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, PLACEMENT_POLL_MS));
  }
}

/** The stream read whole, or undefined when it holds more than `limit` bytes (it is then destroyed). */
async function readAll(stream: Readable, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size > limit) {
      stream.destroy();
      return undefined;
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
