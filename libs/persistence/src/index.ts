export { type DatabaseIdentity, ident, identityOf, literal, redactUrl, withDatabase } from './database-urls.js';
export { keysetPage, type KeysetPageQuery, type KeysetPosition, type KeysetRow } from './keyset-page.js';
export {
  type BackoffBounds,
  outboxBackoffMs,
  type OutboxDrainContext,
  OutboxDrainer,
  type OutboxDrainerLogger,
  type OutboxDrainerOptions,
  type OutboxDrainResult,
  outboxLeaseSeconds,
} from './outbox-drainer.js';
export { PgListener, type PgListenerOptions } from './pg-listener.js';
export { postgresOptions } from './postgres-options.js';
export { type PreparedStatement, queryPrepared, queryPreparedAfter } from './prepared-query.js';
export {
  type RewrapOptions,
  rewrapSealedColumns,
  type SealedColumn,
  sealedColumnsInCatalog,
} from './rewrap-sealed-columns.js';
export { schemaDrift } from './schema-drift.js';
export { type DatabaseSetupOptions, runMigrations, setupDatabase, withClient } from './setup-database.js';
export { type ServiceDatabaseConfig, setupServiceDatabase } from './setup-service-database.js';
export {
  type Columns,
  execute,
  type ExtraColumns,
  type ExtraRow,
  queryRow,
  queryRows,
  RowShapeError,
  Table,
  type ValueKind,
} from './table.js';
export { uniqueConstraintNames } from './unique-constraint-names.js';
