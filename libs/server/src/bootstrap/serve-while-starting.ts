import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';

import pg from 'pg';
import pino from 'pino';

import { ErrorCode } from '../errors/error-code.js';
import { type DependencyState, notReady } from '../health/readiness.js';

/** A dependency a service waits for before it builds its app. */
export interface Dependency {
  /** As `/readyz` names it: `postgres`, `nats`. */
  name: string;
  /** Where it is expected, for the log; never a secret (no password). */
  target: string;
  /** Resolves when the dependency answers; rejects with the reason it does not. */
  check(): Promise<void>;
}

export interface StartingOptions {
  service: string;
  port: number;
  host: string;
  logLevel: string;
  dependencies: Dependency[];
  /** How often each dependency is tried; default 500 ms. */
  probeIntervalMs?: number;
  /** How often the log says what is still awaited; default 3 s. */
  logIntervalMs?: number;
}

export interface Starting {
  /** Resolves once every dependency answered. */
  dependenciesUp: Promise<void>;
  /** Stops the interim listener (and any wait), so that the app can listen on the port. */
  close(): Promise<void>;
}

const PROBE_TIMEOUT_MS = 2000;

/**
 * Opens the service's HTTP port at once, before its dependencies are up, and
 * waits for them: `/healthz` answers 200 (the process is alive), `/readyz`
 * and every other route 503 problem+json naming what is awaited (`dependencies`
 * as in the app's own `/readyz`), and the log says every few seconds what the
 * service waits for. An orchestrator thus sees a live process that is not
 * ready, instead of a closed port and silence, and the service becomes ready
 * by itself when Postgres and NATS come up. The caller then closes this
 * listener and starts the app's own on the same port.
 *
 * Each 503 carries as `errorId` the id of the latest "waiting" log line
 * (API.md: every 5xx has an errorId that is also in the log).
 */
export async function serveWhileStarting(options: StartingOptions): Promise<Starting> {
  const log = pino({ name: options.service, level: options.logLevel });
  const states = new Map<string, DependencyState>(
    options.dependencies.map((dependency) => [dependency.name, { status: 'down', message: 'not checked yet' }]),
  );
  let waitId = randomUUID();
  let stopped = false;

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/healthz' && (request.method === 'GET' || request.method === 'HEAD')) {
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"status":"ok"}');
      return;
    }
    const dependencies = Object.fromEntries(states);
    const detail =
      path === '/readyz'
        ? (notReady(dependencies) ?? 'Not ready: starting.')
        : `The service is starting. ${notReady(dependencies) ?? ''}`.trim();
    const problem = {
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail,
      code: ErrorCode.ServiceUnavailable,
      dependencies,
      errorId: waitId,
    };
    response
      .writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1' })
      .end(JSON.stringify(problem));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const dependenciesUp = (async () => {
    const probeIntervalMs = options.probeIntervalMs ?? 500;
    const logIntervalMs = options.logIntervalMs ?? 3000;
    let loggedAt = -Infinity;
    while (!stopped) {
      await Promise.all(
        options.dependencies.map(async (dependency) => {
          try {
            await dependency.check();
            states.set(dependency.name, { status: 'up' });
          } catch (error) {
            states.set(dependency.name, { status: 'down', message: describe(error) });
          }
        }),
      );
      const waiting = options.dependencies.filter((dependency) => states.get(dependency.name)?.status === 'down');
      if (waiting.length === 0) {
        if (loggedAt > -Infinity) log.info('every dependency is up; starting');
        return;
      }
      if (Date.now() - loggedAt >= logIntervalMs) {
        loggedAt = Date.now();
        waitId = randomUUID();
        log.warn(
          {
            errorId: waitId,
            waitingFor: Object.fromEntries(
              waiting.map((dependency) => [
                dependency.name,
                { target: dependency.target, ...states.get(dependency.name) },
              ]),
            ),
          },
          `waiting for ${waiting.map((dependency) => `${dependency.name} at ${dependency.target} (${(states.get(dependency.name) as { message: string }).message})`).join(' and ')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, probeIntervalMs));
    }
  })();

  const close = async () => {
    stopped = true;
    process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  // Stopped while still waiting: nothing to drain, only the interim listener to close.
  const onSignal = () => void close().then(() => process.exit(0));
  process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
  return { dependenciesUp, close };
}

/**
 * Postgres answers `SELECT 1` at this URL (a fresh connection, closed at once).
 * `target` is the URL without its password.
 */
export function postgresDependency(url: string): Dependency {
  return {
    name: 'postgres',
    target: printableUrl(url),
    check: async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
      client.on('error', () => undefined); // a connection dropped after the probe must not crash the process
      try {
        await client.connect();
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
}

/**
 * A NATS server answers at one of these URLs (comma-separated, as NATS_URL):
 * it sends its INFO line on connect (NATS client protocol, "INFO"), which
 * needs no credentials, so the probe works whatever authentication the
 * service later uses.
 */
export function natsDependency(urls: string): Dependency {
  const servers = urls
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
  return {
    name: 'nats',
    target: servers.map(printableUrl).join(','),
    check: async () => {
      const errors: string[] = [];
      for (const server of servers) {
        try {
          await natsInfo(server);
          return;
        } catch (error) {
          errors.push(describe(error));
        }
      }
      throw new Error(errors.join('; '));
    },
  };
}

function natsInfo(url: string): Promise<void> {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'wss:' || parsed.protocol === 'https:';
  const port = Number(parsed.port || (parsed.protocol.startsWith('ws') ? (secure ? 443 : 80) : 4222));
  const expectInfo = parsed.protocol === 'nats:' || parsed.protocol === 'tls:';
  return new Promise<void>((resolve, reject) => {
    const socket = net.connect({ host: parsed.hostname.replace(/^\[|\]$/g, ''), port });
    const done = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => done(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
    socket.once('error', (error) => done(error));
    socket.once('connect', () => {
      // A websocket endpoint says nothing until spoken to: an open port is all we can see without a handshake.
      if (!expectInfo) done();
    });
    socket.once('data', (chunk: Buffer) => {
      done(chunk.toString('latin1').startsWith('INFO') ? undefined : new Error('the server there is not NATS'));
    });
  });
}

function printableUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(an unreadable URL)';
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((inner: unknown) => describe(inner)).join(', ');
  }
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
