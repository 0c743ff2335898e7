import 'reflect-metadata';

import { ConfigError, loadConfig } from '@switchboard/config';
import { createService } from '@switchboard/server';

import { InstanceConfig } from './config.js';
import { InstanceModule } from './instance.module.js';

async function main(): Promise<void> {
  const config = loadConfig(InstanceConfig);
  const app = await createService(InstanceModule.forRoot(config), {
    title: `Switchboard Instance ${config.INSTANCE_ID}`,
    description: 'Workspace and tenant API: tenants, connections, integrations, elements, usage and activity logs.',
    natsUrl: config.NATS_URL,
    natsCredentials: config.natsCredentials(),
    subjectVariables: { namespace: config.NATS_NAMESPACE, instanceId: config.INSTANCE_ID },
    serviceName: `instance-${config.INSTANCE_ID}`,
  });
  await app.startAllMicroservices();
  await app.listen(config.INSTANCE_PORT, config.INSTANCE_HOST);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('The instance could not start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
