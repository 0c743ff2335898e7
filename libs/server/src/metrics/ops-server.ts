import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';

import { ErrorCode } from '../errors/error-code.js';
import { MetricsRegistry } from './metrics.js';

/** Where the ops listener binds: `OPS_PORT` / `OPS_HOST`. */
export interface OpsListen {
  port: number;
  host: string;
}

/** The injection token of OpsListen (given only when `OPS_PORT` is set). */
export const OPS_LISTEN = Symbol('OPS_LISTEN');

/**
 * The operations port: a plain HTTP listener, apart from the public API,
 * serving `GET /metrics` (Prometheus text format 0.0.4) and `GET /healthz`
 * (200 while the process answers). With it, `/metrics` is not on the public
 * port (PlatformModule leaves MetricsController out), so the public Ingress
 * never exposes it and a NetworkPolicy can open the ops port to Prometheus
 * only. It opens when the app bootstraps and closes on shutdown. Anything
 * else is a 404 problem.
 */
@Injectable()
export class OpsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | undefined;

  constructor(
    private readonly registry: MetricsRegistry,
    private readonly listen: OpsListen,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      const readOnly = request.method === 'GET' || request.method === 'HEAD';
      if (readOnly && path === '/metrics') {
        this.registry.metrics().then(
          (text) => response.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
          () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be collected'),
        );
        return;
      }
      if (readOnly && path === '/healthz') {
        response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"status":"ok"}');
        return;
      }
      response.writeHead(404, { 'content-type': 'application/problem+json' }).end(
        JSON.stringify({
          type: 'about:blank',
          title: 'Not Found',
          status: 404,
          detail: 'The ops port serves /metrics and /healthz.',
          code: ErrorCode.NotFound,
        }),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listen.port, this.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  /** The bound port (useful with port 0 in tests); undefined before bootstrap. */
  port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
