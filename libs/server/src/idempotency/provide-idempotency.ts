import type { ModuleMetadata, Type } from '@nestjs/common';

import { IDEMPOTENCY_OWNER, type IdempotencyOwnerOf } from './idempotency.interceptor.js';
import { IdempotencyStore } from './idempotency.store.js';

export interface IdempotencyOptions<Principal, Owner> {
  /** The app's store: its table, its scoping, its sealing. */
  store: Type<IdempotencyStore<Owner>>;
  /** Whom a request's keys belong to. */
  ownerOf: IdempotencyOwnerOf<Principal, Owner>;
}

/**
 * An app's idempotency module: its store and owner function, for the
 * interceptor every `@Idempotent()` route carries. Declare the module
 * `@Global()`, so that the routes of every module reach them.
 */
export function idempotencyModule<Principal, Owner>(
  options: IdempotencyOptions<Principal, Owner>,
): Required<Pick<ModuleMetadata, 'providers' | 'exports'>> {
  return {
    providers: [
      { provide: IdempotencyStore, useClass: options.store },
      { provide: IDEMPOTENCY_OWNER, useValue: options.ownerOf },
    ],
    exports: [IdempotencyStore, IDEMPOTENCY_OWNER],
  };
}
