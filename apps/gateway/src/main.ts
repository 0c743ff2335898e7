import 'reflect-metadata';

import { ConfigError, loadConfig } from '@switchboard/config';

import { GatewayConfig } from './config.js';
import { startGateway } from './gateway.js';

async function main(): Promise<void> {
  const config = loadConfig(GatewayConfig);
  const gateway = await startGateway(config);
  const stop = () => {
    gateway.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('The gateway could not start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
