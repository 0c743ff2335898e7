import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { NatsContext } from '@nestjs/microservices';
import { CLS_ID, ClsService } from 'nestjs-cls';
import { Observable } from 'rxjs';

import { CORRELATION_HEADER, correlationIdFrom } from './correlation.js';

/** Opens a request context for every NATS message, with the correlation id from its headers. */
@Injectable()
export class RpcCorrelationInterceptor implements NestInterceptor {
  constructor(private readonly cls: ClsService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const nats = context.switchToRpc().getContext<NatsContext>();
    const headers = nats.getHeaders() as { get(name: string): string } | undefined;
    const id = correlationIdFrom(headers?.get(CORRELATION_HEADER));
    return new Observable((subscriber) =>
      this.cls.run(() => {
        this.cls.set(CLS_ID, id);
        return next.handle().subscribe(subscriber);
      }),
    );
  }
}
