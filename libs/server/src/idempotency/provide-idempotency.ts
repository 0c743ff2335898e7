import type { Provider, Type } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';

import { IDEMPOTENCY_OWNER, IdempotencyInterceptor, type IdempotencyOwnerOf } from './idempotency.interceptor.js';
import { IdempotencyStore } from './idempotency.store.js';

export interface IdempotencyOptions<Principal, Owner> {
  /** The app's store: its table, its scoping, its sealing. */
  store: Type<IdempotencyStore<Owner>>;
  /** Whom a request's keys belong to. */
  ownerOf: IdempotencyOwnerOf<Principal, Owner>;
}

/** The providers of an app's idempotency module: its store and owner function behind the shared interceptor. */
export function provideIdempotency<Principal, Owner>(options: IdempotencyOptions<Principal, Owner>): Provider[] {
  return [
    { provide: IdempotencyStore, useClass: options.store },
    { provide: IDEMPOTENCY_OWNER, useValue: options.ownerOf },
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
  ];
}
