import { Module } from '@nestjs/common';
import { provideIdempotency } from '@switchboard/server';

import { scopeOf } from '../auth/workspace-principal.js';
import { ScopedIdempotencyStore } from './scoped-idempotency.store.js';

/**
 * `Idempotency-Key` on the instance's `@Idempotent()` routes: keys per
 * principal (a tenant, or a workspace admin), responses sealed (they can
 * carry credentials).
 */
@Module({ providers: provideIdempotency({ store: ScopedIdempotencyStore, ownerOf: scopeOf }) })
export class IdempotencyModule {}
