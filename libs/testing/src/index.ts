export { freePort } from './free-port.js';
export { httpClient, type HttpRequest, type RequestOptions } from './http-client.js';
export { signSnapshotForTest, TEST_HUB_KEYS } from './hub-signing.js';
export { listenOnLoopback } from './listen-on-loopback.js';
export { type NatsServerOptions, type NatsServerProcess, natsServerProcess } from './nats-server-process.js';
export { type ServiceProcess, type StartProcessOptions, startServiceProcess } from './service-process.js';
export { type TcpRelay, tcpRelay } from './tcp-relay.js';
export {
  adminUrl,
  createTestDatabase,
  type DatabaseKind,
  dropDatabase,
  dropRunDatabases,
  natsNamespace,
  natsUrl,
  templateName,
  TEST_APP,
  TEST_OWNER,
  type TestDatabase,
  testRunPrefix,
} from './test-database.js';
export { LOCAL_ADMIN_URL, LOCAL_NATS_URL, provideTestServices, type TestServices } from './test-services.js';
export { waitFor } from './wait-for.js';
