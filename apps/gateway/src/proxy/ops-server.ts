import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { PlacementTable } from '../placements/placement-table.js';
import type { GatewayMetrics } from './gateway-metrics.js';

/**
 * The gateway's operations port (`OPS_PORT`, as on the Hub and instances):
 * `GET /metrics` (Prometheus text format), `/healthz` and `/health/live`
 * (200 while the process answers), `/health/ready` (200 once the placement
 * table is loaded, else 503). Anything else is a 404 problem.
 */
export async function startOpsServer(
  listen: { port: number; host: string },
  metrics: GatewayMetrics,
  table: PlacementTable,
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const json = (status: number, body: unknown, type = 'application/json; charset=utf-8') =>
      response.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return json(
        405,
        {
          type: 'about:blank',
          title: 'Method Not Allowed',
          status: 405,
          detail: 'GET only.',
          code: 'malformed_request',
        },
        'application/problem+json',
      );
    }
    switch (path) {
      case '/metrics':
        metrics.metrics().then(
          (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
          () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be collected'),
        );
        return;
      case '/healthz':
      case '/health/live':
        return json(200, { status: 'ok' });
      case '/health/ready':
        return table.ready
          ? json(200, { status: 'ok', info: { placements: table.size } })
          : json(
              503,
              {
                type: 'about:blank',
                title: 'Service Unavailable',
                status: 503,
                detail: 'The gateway has not yet read the placement table from the Hub.',
                code: 'service_unavailable',
              },
              'application/problem+json',
            );
      default:
        return json(
          404,
          {
            type: 'about:blank',
            title: 'Not Found',
            status: 404,
            detail: 'The ops port serves /metrics, /healthz, /health/live and /health/ready.',
            code: 'not_found',
          },
          'application/problem+json',
        );
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
