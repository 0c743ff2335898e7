import { Global, Module } from '@nestjs/common';
import { idempotencyModule } from '@switchboard/server';

import { IdempotencyRepository } from './idempotency.repository.js';
import { UserIdempotencyStore, userKeyOwner } from './user-idempotency.store.js';

const store = idempotencyModule({ store: UserIdempotencyStore, ownerOf: userKeyOwner });

/** `Idempotency-Key` on the Hub's `@Idempotent()` routes: keys per user, responses sealed (they carry secrets). */
@Global()
@Module({ providers: [IdempotencyRepository, ...store.providers], exports: store.exports })
export class IdempotencyModule {}
