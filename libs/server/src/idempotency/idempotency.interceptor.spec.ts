import { type CallHandler, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { lastValueFrom, of, throwError } from 'rxjs';

import { DomainException } from '../errors/domain.exception.js';
import { IdempotencyInterceptor, IDEMPOTENT } from './idempotency.interceptor.js';
import { type IdempotencyOutcome, IdempotencyStore } from './idempotency.store.js';

interface Owner {
  userId: string;
}

class FakeStore extends IdempotencyStore<Owner> {
  outcome: IdempotencyOutcome = { kind: 'proceed' };
  readonly calls: unknown[][] = [];

  begin(owner: Owner, key: string, requestHash: string): Promise<IdempotencyOutcome> {
    this.calls.push(['begin', owner, key, requestHash]);
    return Promise.resolve(this.outcome);
  }

  complete(owner: Owner, key: string, statusCode: number, body: unknown): Promise<void> {
    this.calls.push(['complete', owner, key, statusCode, body]);
    return Promise.resolve();
  }

  release(owner: Owner, key: string): Promise<void> {
    this.calls.push(['release', owner, key]);
    return Promise.resolve();
  }
}

const idempotentRoute = () => undefined;
SetMetadata(IDEMPOTENT, true)(idempotentRoute);
const plainRoute = () => undefined;

describe('IdempotencyInterceptor', () => {
  let store: FakeStore;
  let sut: IdempotencyInterceptor;

  beforeEach(() => {
    store = new FakeStore();
    sut = new IdempotencyInterceptor(new Reflector(), store, (principal) => ({
      userId: (principal as { id: string }).id,
    }));
  });

  const http = (options: { key?: string; body?: unknown; route?: () => void; principal?: unknown }) => {
    const reply = {
      statusCode: 201,
      headers: {} as Record<string, string>,
      header(name: string, value: string) {
        this.headers[name] = value;
        return this;
      },
      status(code: number) {
        this.statusCode = code;
        return this;
      },
    };
    const request = {
      method: 'POST',
      url: '/things',
      headers: options.key === undefined ? {} : { 'idempotency-key': options.key },
      body: options.body ?? { name: 'x' },
      principal: 'principal' in options ? options.principal : { id: 'user-1' },
    };
    const context = {
      getType: () => 'http',
      getHandler: () => options.route ?? idempotentRoute,
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
    } as unknown as ExecutionContext;
    return { context, reply };
  };

  const handler = (result: () => unknown) => {
    const next = {
      calls: 0,
      handle: () => {
        next.calls++;
        return of(result());
      },
    };
    return next;
  };

  it('leaves routes that are not marked, and requests without a key, alone', async () => {
    for (const options of [{ key: 'k', route: plainRoute }, {}]) {
      const { context } = http(options);
      await expect(
        lastValueFrom(
          sut.intercept(
            context,
            handler(() => 'ran'),
          ),
        ),
      ).resolves.toBe('ran');
    }
    expect(store.calls).toEqual([]);
  });

  it.each([
    ['empty', ''],
    ['too long', 'x'.repeat(256)],
    ['with a space', 'has space'],
    ['not ASCII', 'ünïcode'],
  ])('refuses a malformed key (%s) with 400', (_, key) => {
    const { context } = http({ key });
    expect(() =>
      sut.intercept(
        context,
        handler(() => 'ran'),
      ),
    ).toThrow(DomainException);
    expect(store.calls).toEqual([]);
  });

  it('claims the key for the owner, runs the handler and remembers its response', async () => {
    const { context } = http({ key: 'k-1', body: { b: 1, a: 2 } });
    await expect(
      lastValueFrom(
        sut.intercept(
          context,
          handler(() => ({ id: 'made' })),
        ),
      ),
    ).resolves.toEqual({
      id: 'made',
    });
    expect(store.calls).toEqual([
      ['begin', { userId: 'user-1' }, 'k-1', expect.stringMatching(/^[0-9a-f]{64}$/)],
      ['complete', { userId: 'user-1' }, 'k-1', 201, { id: 'made' }],
    ]);
    // The same body in another key order hashes alike.
    const { context: reordered } = http({ key: 'k-1', body: { a: 2, b: 1 } });
    await lastValueFrom(
      sut.intercept(
        reordered,
        handler(() => null),
      ),
    );
    expect(store.calls[2]![3]).toBe(store.calls[0]![3]);
  });

  it('replays a remembered response without running the handler', async () => {
    store.outcome = { kind: 'replay', statusCode: 200, body: { id: 'first' } };
    const { context, reply } = http({ key: 'k-2' });
    const next = handler(() => 'ran');
    await expect(lastValueFrom(sut.intercept(context, next))).resolves.toEqual({ id: 'first' });
    expect(next.calls).toBe(0);
    expect(reply.statusCode).toBe(200);
    expect(reply.headers).toEqual({ 'idempotent-replayed': 'true' });
  });

  it('releases the key when the handler fails, and passes the error on', async () => {
    const { context } = http({ key: 'k-3' });
    const failure = DomainException.conflict('taken');
    const next = { handle: () => throwError(() => failure) };
    await expect(lastValueFrom(sut.intercept(context, next as CallHandler))).rejects.toBe(failure);
    expect(store.calls.map((call) => call[0])).toEqual(['begin', 'release']);
  });

  it('passes the refusal of the store on (reused key, request in progress)', async () => {
    store.begin = () => Promise.reject(DomainException.conflict('in progress'));
    const { context } = http({ key: 'k-4' });
    const next = handler(() => 'ran');
    await expect(lastValueFrom(sut.intercept(context, next))).rejects.toBeInstanceOf(DomainException);
    expect(next.calls).toBe(0);
  });
});
