import 'reflect-metadata';

import { ConfigError, loadConfig } from '@switchboard/config';
import {
  createService,
  natsDependency,
  postgresDependency,
  serveWhileStarting,
  startTracing,
  TracingConfigError,
} from '@switchboard/server';

import { HubConfig, requireSigningKey } from './config.js';
import { serveConsole } from './console/serve-console.js';
import { HubModule } from './hub.module.js';
import { hubApiDescription } from './openapi.js';

async function main(): Promise<void> {
  const config = loadConfig(HubConfig);
  // What the service itself needs beyond the schema fails now, not after the wait for dependencies.
  requireSigningKey(config);
  // Off unless OTEL_TRACES_EXPORTER or OTEL_EXPORTER_OTLP_ENDPOINT asks for it; before the app, whose hooks it decides.
  startTracing({ serviceName: 'switchboard-hub' });
  // The port opens at once (liveness) while Postgres and NATS are awaited; the app takes it over when they answer.
  const starting = await serveWhileStarting({
    service: 'hub',
    port: config.HUB_PORT,
    host: config.HUB_HOST,
    logLevel: config.LOG_LEVEL,
    dependencies: [postgresDependency(config.DATABASE_URL), natsDependency(config.NATS_URL)],
  });
  await starting.dependenciesUp;
  const app = await createService(HubModule.forRoot(config), {
    ...hubApiDescription(config),
    natsUrl: config.NATS_URL,
    natsCredentials: config.natsCredentials(),
    requestTimeouts: config.requestTimeouts(),
    subjectVariables: { namespace: config.NATS_NAMESPACE },
    serviceName: 'hub',
  });
  await serveConsole(app);
  await app.startAllMicroservices();
  await starting.close();
  await app.listen(config.HUB_PORT, config.HUB_HOST);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof TracingConfigError) {
    console.error(error.message);
  } else {
    console.error('The Hub could not start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
