import type { IncomingMessage } from 'node:http';

import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { describeError } from '@switchboard/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

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
  /** Per key, the last database read of a held workspace's state and when it ended (NaN: still running). */
  private readonly reads = new Map<string, { state: Promise<GatedWorkspace | undefined>; endedAt: number }>();
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

  /** Whether no workspace is at or past a cutover here (nearly always): then no request needs its key read. */
  get empty(): boolean {
    return this.gated.size === 0;
  }

  /** Rereads now (after a step of this replica froze, finished or abandoned a move). */
  refreshSoon(): void {
    void this.refresh();
  }

  /**
   * Waits while the workspace is frozen, up to `timeoutMs`, reading its state
   * from the database every HOLD_POLL_MS; what it is then (undefined: no
   * longer moving, e.g. aborted).
   */
  async waitWhileFrozen(key: string, timeoutMs: number): Promise<GatedWorkspace | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await this.read(key);
      if (now?.state !== 'frozen' || Date.now() >= deadline) return now;
      await new Promise((resolve) => setTimeout(resolve, HOLD_POLL_MS));
    }
  }

  /**
   * The workspace's state from the database, one read per key at a time and
   * at most one every HOLD_POLL_MS, shared by every request held on it: the
   * requests held at a cutover (the writer's rate times the pause) would
   * otherwise each poll the source's database while the cutover works on it.
   */
  private read(key: string): Promise<GatedWorkspace | undefined> {
    const last = this.reads.get(key);
    if (last && (Number.isNaN(last.endedAt) || Date.now() - last.endedAt < HOLD_POLL_MS)) return last.state;
    const read = {
      state: this.repository.gateOf(key).then((row) => row ?? undefined),
      endedAt: Number.NaN,
    };
    this.reads.set(key, read);
    const forget = () => {
      if (this.reads.get(key) === read) this.reads.delete(key);
    };
    void read.state.then(
      () => {
        read.endedAt = Date.now();
        setTimeout(forget, HOLD_POLL_MS).unref();
      },
      // A failed read is not shared: the next waiter reads again (the failure reaches those that shared it).
      forget,
    );
    return read.state;
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
 *
 * A request let in just before the gate learnt of the freeze (it rereads
 * every REFRESH_MS) whose write the capture trigger then refused is answered
 * `503 workspace_moving` by MoveRefusalInterceptor, nothing changed; on its
 * way out (`onSend`) it waits like a held request and, once the workspace has
 * moved, becomes the same `307` — writes wait at a cutover rather than fail
 * (API.md), however close to the freeze they came.
 *
 * A Fastify `onRequest` hook added at module init, not Nest middleware: the
 * services run without @fastify/middie (createService's `skipMiddie`), so Nest
 * middleware cannot be applied at all. Callback style, answering at once for a
 * request of a workspace not at a cutover (no promise on the hot path); while
 * no workspace is at a cutover here, without reading the credential at all
 * (decoding a JWT's payload was about 3 % of GET /tenants/self's CPU time).
 */
@Injectable()
export class MoveGateHook implements OnModuleInit {
  /** Requests the gate answered itself (held already): their `503` is not held again on the way out. */
  private readonly answered = new WeakSet<IncomingMessage>();

  constructor(
    private readonly gate: MoveGate,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return; // an application context without HTTP
    fastify.addHook('onRequest', (request, reply, done) => {
      if (this.gate.empty) return done();
      const key = workspaceKeyOfRequest(request.raw);
      const gated = key === undefined ? undefined : this.gate.get(key);
      if (key === undefined || !gated) return done();
      this.answer(key, gated, request, reply).then(
        (answered) => {
          if (!answered) done();
        },
        (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
      );
    });
    fastify.addHook('onSend', (request, reply, payload, done) => {
      if (reply.statusCode !== 503 || this.answered.has(request.raw) || !isMovingProblem(payload)) {
        return done(null, payload);
      }
      const key = workspaceKeyOfRequest(request.raw);
      if (key === undefined) return done(null, payload);
      this.gate.waitWhileFrozen(key, MOVE_HOLD_MS).then(
        (gated) => {
          if (gated?.state !== 'moved' || gated.redirectUrl === null) return done(null, payload);
          void reply
            .code(307)
            .header('Location', redirectTo(gated.redirectUrl, request))
            .header('Cache-Control', 'no-store');
          reply.removeHeader('Retry-After');
          reply.removeHeader('Content-Type');
          done(null, '');
        },
        // The refusal stands as it is: the client retries after Retry-After.
        () => done(null, payload),
      );
    });
  }

  /** Answers the request of a workspace at or after its cutover; false when it may go on (no longer moving). */
  private async answer(
    key: string,
    known: GatedWorkspace,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<boolean> {
    const gated = known.state === 'frozen' ? await this.gate.waitWhileFrozen(key, MOVE_HOLD_MS) : known;
    if (gated?.state === 'moved' && gated.redirectUrl !== null) {
      this.answered.add(request.raw);
      void reply
        .code(307)
        .header('Location', redirectTo(gated.redirectUrl, request))
        .header('Cache-Control', 'no-store')
        .send();
      return true;
    }
    if (gated?.state === 'frozen') {
      this.answered.add(request.raw);
      void reply
        .code(503)
        .header('Content-Type', 'application/problem+json')
        .header('Retry-After', '1')
        .send(
          JSON.stringify({
            type: 'about:blank',
            title: 'Workspace moving',
            status: 503,
            code: 'workspace_moving',
            detail: 'The workspace is moving to another instance; retry in a moment.',
          }),
        );
      return true;
    }
    return false;
  }
}

/** The same path and query on the target's API URL. */
function redirectTo(redirectUrl: string, request: FastifyRequest): string {
  return `${redirectUrl.replace(/\/+$/, '')}${request.raw.url ?? '/'}`;
}

/** Whether a response body is the `workspace_moving` problem. */
function isMovingProblem(payload: unknown): boolean {
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
  return text.includes('"code":"workspace_moving"');
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
