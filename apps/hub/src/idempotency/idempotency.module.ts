import { Module } from '@nestjs/common';
import { provideIdempotency } from '@switchboard/server';

import { UserIdempotencyStore, userKeyOwner } from './user-idempotency.store.js';

/** `Idempotency-Key` on the Hub's `@Idempotent()` routes: keys per user, responses sealed (they carry secrets). */
@Module({ providers: provideIdempotency({ store: UserIdempotencyStore, ownerOf: userKeyOwner }) })
export class IdempotencyModule {}
