/**
 * An instance's schema level: the name of the latest migration applied to its database (TypeORM's
 * `migrations` table, latest by timestamp), e.g. `UsageIdsAcrossInstances1766900000000` — a class name
 * ending in its 13-digit timestamp. Two instances at the same level hold the same tables, so a workspace's
 * rows exported by one can be imported by the other (a move needs that; issue 14).
 */
export const SCHEMA_LEVEL = /^[A-Za-z_][A-Za-z0-9_]{0,199}$/;
