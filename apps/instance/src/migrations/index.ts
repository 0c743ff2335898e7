import { Workspaces1763850000000 } from './1763850000000-workspaces.js';
import { ScopeFunctions1763850000100 } from './1763850000100-scope-functions.js';
import { Tenants1763880000000 } from './1763880000000-tenants.js';
import { ScopedTenantReads1763880000100 } from './1763880000100-scoped-tenant-reads.js';

/** Every instance migration, in order. */
export const INSTANCE_MIGRATIONS = [
  Workspaces1763850000000,
  ScopeFunctions1763850000100,
  Tenants1763880000000,
  ScopedTenantReads1763880000100,
];
