import { Global, Module } from '@nestjs/common';
import { idempotencyModule } from '@switchboard/server';

import { scopeOf } from '../workspaces/workspace-principal.js';
import { ScopedIdempotencyStore } from './scoped-idempotency.store.js';

/**
 * `Idempotency-Key` on the instance's `@Idempotent()` routes: keys per
 * principal (a tenant, or a workspace admin), responses sealed (they can
 * carry credentials).
 */
@Global()
@Module(idempotencyModule({ store: ScopedIdempotencyStore, ownerOf: scopeOf }))
export class IdempotencyModule {}
