import { Global, Module } from '@nestjs/common';
import { idempotencyModule } from '@switchboard/server';

import { UserIdempotencyStore, userKeyOwner } from './user-idempotency.store.js';

/** `Idempotency-Key` on the Hub's `@Idempotent()` routes: keys per user, responses sealed (they carry secrets). */
@Global()
@Module(idempotencyModule({ store: UserIdempotencyStore, ownerOf: userKeyOwner }))
export class IdempotencyModule {}
