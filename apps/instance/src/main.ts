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

import { InstanceConfig, requireHubPublicKey } from './config.js';
import { InstanceModule } from './instance.module.js';
import { instanceApiDescription } from './openapi.js';

async function main(): Promise<void> {
  const config = loadConfig(InstanceConfig);
  // What the service itself needs beyond the schema fails now, not after the wait for dependencies.
  requireHubPublicKey(config);
  // Off unless OTEL_TRACES_EXPORTER or OTEL_EXPORTER_OTLP_ENDPOINT asks for it; before the app, whose hooks it decides.
  startTracing({ serviceName: 'switchboard-instance' });
  // The port opens at once (liveness) while Postgres and NATS are awaited; the app takes it over when they answer.
  const starting = await serveWhileStarting({
    service: `instance-${config.INSTANCE_ID}`,
    port: config.INSTANCE_PORT,
    host: config.INSTANCE_HOST,
    logLevel: config.LOG_LEVEL,
    dependencies: [postgresDependency(config.DATABASE_URL), natsDependency(config.NATS_URL)],
  });
  await starting.dependenciesUp;
  const app = await createService(InstanceModule.forRoot(config), {
    ...instanceApiDescription(config),
    natsUrl: config.NATS_URL,
    natsCredentials: config.natsCredentials(),
    requestTimeouts: config.requestTimeouts(),
    subjectVariables: { namespace: config.NATS_NAMESPACE, instanceId: config.INSTANCE_ID },
    serviceName: `instance-${config.INSTANCE_ID}`,
  });
  await app.startAllMicroservices();
  await starting.close();
  await app.listen(config.INSTANCE_PORT, config.INSTANCE_HOST);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof TracingConfigError) {
    console.error(error.message);
  } else {
    console.error('The instance could not start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
