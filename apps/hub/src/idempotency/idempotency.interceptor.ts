import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainException } from '@switchboard/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, concatMap, from, type Observable, of, switchMap, throwError } from 'rxjs';

import type { PlatformPrincipal } from '../auth/platform-principal.js';
import { IdempotencyStore, requestHash } from './idempotency.store.js';
import { IDEMPOTENT } from './idempotent.decorator.js';

const KEY = /^[\x21-\x7e]{1,255}$/;

/** Honours `Idempotency-Key` on routes marked `@Idempotent()`. Keys are per user. */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly store: IdempotencyStore,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || !this.reflector.get<boolean>(IDEMPOTENT, context.getHandler())) {
      return next.handle();
    }
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: PlatformPrincipal }>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const key = request.headers['idempotency-key'];
    if (key === undefined) return next.handle();
    if (typeof key !== 'string' || !KEY.test(key)) {
      throw DomainException.validation('Idempotency-Key: must be 1 to 255 printable ASCII characters.', [
        { field: 'Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' },
      ]);
    }
    const userId = request.principal?.user.id;
    if (!userId) return next.handle();
    const hash = requestHash(request.method, request.url, request.body);
    return from(this.store.begin(userId, key, hash)).pipe(
      switchMap((outcome) => {
        if (outcome.kind === 'replay') {
          void reply.header('idempotent-replayed', 'true');
          void reply.status(outcome.statusCode);
          return of(outcome.body);
        }
        return next.handle().pipe(
          concatMap((body: unknown) => from(this.store.complete(userId, key, reply.statusCode, body).then(() => body))),
          catchError((error: unknown) =>
            from(this.store.release(userId, key)).pipe(concatMap(() => throwError(() => error))),
          ),
        );
      }),
    );
  }
}
