import pino from 'pino';

import type { GatewayConfig } from './config.js';
import { PlacementSync } from './placements/placement-sync.js';
import { PlacementTable } from './placements/placement-table.js';
import { GatewayMetrics } from './proxy/gateway-metrics.js';
import { createGatewayServer } from './proxy/gateway-server.js';
import { startOpsServer } from './proxy/ops-server.js';

/** A running gateway: its bound ports, its placement table, and how to stop it. */
export interface RunningGateway {
  port: number;
  opsPort: number | undefined;
  table: PlacementTable;
  sync: PlacementSync;
  stop(): Promise<void>;
}

/**
 * Starts the gateway (wiring only): the placement table kept by PlacementSync
 * from the Hub over NATS, the public server on GATEWAY_PORT (which answers at
 * once; `/health/ready` says 503 until the table is loaded) and, when OPS_PORT
 * is set, the ops server with `/metrics` (else `/metrics` is on the public port).
 * @throws Error when a port cannot be bound or NATS refuses the credentials.
 */
export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  const log = pino({ level: config.LOG_LEVEL, base: { service: 'gateway' } });
  const table = new PlacementTable();
  const metrics = new GatewayMetrics(table);
  const app = await createGatewayServer({
    table,
    metrics,
    upstreamTimeoutMs: config.GATEWAY_UPSTREAM_TIMEOUT_MS,
    connectTimeoutMs: config.GATEWAY_CONNECT_TIMEOUT_MS,
    connections: config.GATEWAY_UPSTREAM_CONNECTIONS,
    heldBytesPerClient: config.GATEWAY_HELD_BYTES_PER_CLIENT,
    trustedProxies: config.trustedProxies(),
    requestTimeouts: config.requestTimeouts(),
    publicUrl: config.GATEWAY_PUBLIC_URL,
    metricsOnPublicPort: config.OPS_PORT === undefined,
    // A lost placement message shows as an instance's 307 with no change to follow: read the table again.
    onStalePlacement: () => sync.resyncSoon(),
    log,
  });
  const ops =
    config.OPS_PORT === undefined
      ? undefined
      : await startOpsServer({ port: config.OPS_PORT, host: config.OPS_HOST }, metrics, table);
  const sync = new PlacementSync(table, {
    natsUrl: config.NATS_URL,
    namespace: config.NATS_NAMESPACE,
    credentials: config.natsCredentials(),
    requestTimeoutMs: config.NATS_REQUEST_TIMEOUT_MS,
    resyncIntervalMs: config.GATEWAY_RESYNC_INTERVAL_MS,
    log: { info: (message) => log.info(message), warn: (message) => log.warn(message) },
  });
  await sync.start();
  await app.listen({ port: config.GATEWAY_PORT, host: config.GATEWAY_HOST });
  const address = app.server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : config.GATEWAY_PORT,
    opsPort: ops?.port,
    table,
    sync,
    stop: async () => {
      await sync.stop();
      await app.close();
      await ops?.close();
    },
  };
}
