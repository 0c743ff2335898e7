import { Global, Module } from '@nestjs/common';
import { idempotencyModule } from '@switchboard/server';

import { scopeOf } from '../workspaces/workspace-principal.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { ScopedIdempotencyStore } from './scoped-idempotency.store.js';

const idempotency = idempotencyModule({ store: ScopedIdempotencyStore, ownerOf: scopeOf });

/**
 * `Idempotency-Key` on the instance's `@Idempotent()` routes: keys per
 * principal (a tenant, or a workspace admin), responses sealed (they can
 * carry credentials).
 */
@Global()
@Module({ providers: [IdempotencyRepository, ...idempotency.providers], exports: idempotency.exports })
export class IdempotencyModule {}
