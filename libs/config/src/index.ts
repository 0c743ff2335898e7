export { ConfigError, configVariableNames, loadConfig, printableConfig } from './load-config.js';
export { Secret, secretKeysOf } from './secret.decorator.js';
export { ServiceConfig } from './service-config.js';
