export { IsCidrList } from './cidr-list.decorator.js';
export {
  corsOriginListProblems,
  corsOriginProblem,
  IsCorsOriginList,
  MAX_CORS_ORIGINS,
  parseCorsOrigins,
} from './cors-origins.js';
export {
  ConfigError,
  configVariableNames,
  type CrossChecked,
  loadConfig,
  printableConfig,
  secretFileVariableNames,
} from './load-config.js';
export { PUBLISHED_SECRETS, publishedSecretProblems, secretMaterial } from './published-secrets.js';
export { Secret, secretKeysOf } from './secret.decorator.js';
export { type NatsCredentials, NatsServiceConfig, ServiceConfig } from './service-config.js';
