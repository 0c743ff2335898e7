import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, concatMap, from, type Observable, of, switchMap, throwError } from 'rxjs';

import { DomainException } from '../errors/domain.exception.js';
import { IdempotencyStore } from './idempotency.store.js';
import { requestHash } from './request-hash.js';

const KEY = /^[\x21-\x7e]{1,255}$/;

/** Marks the routes that honour `Idempotency-Key` (see Idempotent). */
export const IDEMPOTENT = 'switchboard:idempotent';

/** The injection token of the app's `(principal) => owner` function (see idempotencyModule). */
export const IDEMPOTENCY_OWNER = Symbol('IdempotencyOwner');

/** Turns the principal an app's auth guard put on `request.principal` into the owner of its keys. */
export type IdempotencyOwnerOf<Principal, Owner> = (principal: Principal) => Owner;

/**
 * Honours `Idempotency-Key` on routes marked `@Idempotent()`: claims the key,
 * then replays the first response or runs the handler and remembers its
 * response; a failure releases the key.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly store: IdempotencyStore,
    @Inject(IDEMPOTENCY_OWNER) private readonly ownerOf: IdempotencyOwnerOf<unknown, unknown>,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || !this.reflector.get<boolean>(IDEMPOTENT, context.getHandler())) {
      return next.handle();
    }
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: unknown }>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const key = request.headers['idempotency-key'];
    if (key === undefined) return next.handle();
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw DomainException.validation('Idempotency-Key: must be 1 to 255 printable ASCII characters.', [
        { field: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' },
      ]);
    }
    if (request.principal === undefined) return next.handle();
    const owner = this.ownerOf(request.principal);
    const hash = requestHash(request.method, request.url, request.body);
    return from(this.store.begin(owner, key, hash)).pipe(
      switchMap((outcome) => {
        if (outcome.kind === 'replay') {
          void reply.header('idempotent-replayed', 'true');
          void reply.status(outcome.statusCode);
          return of(outcome.body);
        }
        return next.handle().pipe(
          concatMap((body: unknown) => from(this.store.complete(owner, key, reply.statusCode, body).then(() => body))),
          catchError((error: unknown) =>
            from(this.store.release(owner, key)).pipe(concatMap(() => throwError(() => error))),
          ),
        );
      }),
    );
  }
}
