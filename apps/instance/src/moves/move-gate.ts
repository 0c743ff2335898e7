import type { IncomingMessage, ServerResponse } from 'node:http';

import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type NestMiddleware,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { describeError } from '@switchboard/server';

import { looksLikeApiKey, workspaceKeyOf } from '../api-keys/api-key-format.js';
import { type GatedWorkspace, MovesRepository } from './moves.repository.js';

/** How often the gate rereads which workspaces are at or past their cutover here. */
const REFRESH_MS = 100;
/** How long a request of a frozen workspace waits for the cutover to end (API.md: writes wait, at most about 1 s). */
export const MOVE_HOLD_MS = 1500;
const HOLD_POLL_MS = 20;

/**
 * Which workspaces this instance holds at or after the cutover of a move away
 * (`frozen`, `moved`), by key, reread every REFRESH_MS (and at once after a
 * step of this replica changes it). The capture trigger in Postgres is what
 * refuses a frozen workspace's writes; the gate is what makes a request wait
 * rather than fail, and answers `307` once the workspace lives elsewhere.
 */
@Injectable()
export class MoveGate implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MoveGate.name);
  private gated = new Map<string, GatedWorkspace>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly repository: MovesRepository) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** What the gate knows of the workspace with this key (undefined: not at a cutover here). */
  get(key: string): GatedWorkspace | undefined {
    return this.gated.get(key);
  }

  /** Rereads now (after a step of this replica froze, finished or abandoned a move). */
  refreshSoon(): void {
    void this.refresh();
  }

  /**
   * Waits while the workspace is frozen, up to `timeoutMs`, reading its state
   * from the database; what it is then (undefined: no longer moving, e.g. aborted).
   */
  async waitWhileFrozen(key: string, timeoutMs: number): Promise<GatedWorkspace | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = (await this.repository.gateOf(key)) ?? undefined;
      if (now?.state !== 'frozen' || Date.now() >= deadline) return now;
      await new Promise((resolve) => setTimeout(resolve, HOLD_POLL_MS));
    }
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.repository
      .gated()
      .then((rows) => {
        this.gated = new Map(rows.map((row) => [row.key, row]));
      })
      .catch((error: unknown) => this.logger.warn(`could not read the moves at cutover: ${describeError(error)}`))
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }
}

/**
 * Before anything else of a request (authentication creates tenants on first
 * sight, which is a write): when the request's credential names a workspace
 * at its cutover here, wait (MOVE_HOLD_MS at most) for the cutover to end;
 * when the workspace has moved, answer `307 Temporary Redirect` to the same
 * path and query on the target's API URL (RFC 9110 §15.4.8: the client
 * repeats the same method and body there). A workspace still frozen after the
 * wait gets `503 workspace_moving` with `Retry-After: 1`. The credential is
 * only read for its workspace key, not verified: the answer reveals no more
 * than the workspace's public API URL.
 */
@Injectable()
export class MoveGateMiddleware implements NestMiddleware<IncomingMessage, ServerResponse> {
  constructor(private readonly gate: MoveGate) {}

  async use(request: IncomingMessage, response: ServerResponse, next: () => void): Promise<void> {
    const key = workspaceKeyOfRequest(request);
    let gated = key === undefined ? undefined : this.gate.get(key);
    if (key === undefined || !gated) return next();
    if (gated.state === 'frozen') gated = await this.gate.waitWhileFrozen(key, MOVE_HOLD_MS);
    if (gated?.state === 'moved' && gated.redirectUrl !== null) {
      const path = (request as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url ?? '/';
      response.statusCode = 307;
      response.setHeader('Location', `${gated.redirectUrl.replace(/\/+$/, '')}${path}`);
      response.setHeader('Cache-Control', 'no-store');
      response.end();
      return;
    }
    if (gated?.state === 'frozen') {
      response.statusCode = 503;
      response.setHeader('Content-Type', 'application/problem+json');
      response.setHeader('Retry-After', '1');
      response.end(
        JSON.stringify({
          type: 'about:blank',
          title: 'Workspace moving',
          status: 503,
          code: 'workspace_moving',
          detail: 'The workspace is moving to another instance; retry in a moment.',
        }),
      );
      return;
    }
    next();
  }
}

/** The workspace key a request's credential names, unverified: a JWT's `iss` (or `workspaceKey`), or an API key's prefix. */
export function workspaceKeyOfRequest(request: IncomingMessage): string | undefined {
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.length > 0) return workspaceKeyOf(apiKey) ?? undefined;
  const authorization = request.headers.authorization;
  if (typeof authorization !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  const credential = match?.[1];
  if (credential === undefined) return undefined;
  if (looksLikeApiKey(credential)) return workspaceKeyOf(credential) ?? undefined;
  const payload = credential.split('.')[1];
  if (payload === undefined || payload.length > 16_384) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) return undefined;
    const { iss, workspaceKey } = claims as { iss?: unknown; workspaceKey?: unknown };
    if (typeof iss === 'string') return iss;
    return typeof workspaceKey === 'string' ? workspaceKey : undefined;
  } catch {
    return undefined;
  }
}
