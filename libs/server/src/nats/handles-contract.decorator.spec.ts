import 'reflect-metadata';

import { NatsContext } from '@nestjs/microservices';
import { type Contract, subjectTemplate } from '@switchboard/contracts';
import { IsInt, IsString, Length, Min } from 'class-validator';

import { DomainException } from '../errors/domain.exception.js';
import { HandlesContract } from './handles-contract.decorator.js';
import { EVERY_REPLICA, withSubjectVariables } from './templated-server-nats.js';

class CountRequest {
  @IsString() @Length(1, 20) instanceId!: string;
  @IsInt() @Min(0) count!: number;
}
class CountReply {
  @IsInt() doubled!: number;
}
const countContract: Contract<CountRequest, CountReply> = {
  subject: subjectTemplate('test.{instanceId}.count'),
  request: CountRequest,
  reply: CountReply,
};
const fromInstanceContract: Contract<CountRequest, CountReply> = { ...countContract, senderInSubject: true };
const countedContract: Contract<CountRequest, void> = {
  subject: subjectTemplate('test.{instanceId}.counted'),
  request: CountRequest,
  reply: undefined,
};

/** What each handler was called with. */
const calls: { request: unknown; subject: string | undefined }[] = [];

class Handlers {
  @HandlesContract(countContract)
  async count(request: CountRequest, context: NatsContext): Promise<CountReply> {
    calls.push({ request, subject: context.getSubject() });
    return { doubled: await Promise.resolve(request.count * 2) };
  }

  @HandlesContract(fromInstanceContract)
  async fromInstance(request: CountRequest): Promise<CountReply> {
    calls.push({ request, subject: undefined });
    return Promise.resolve({ doubled: request.count * 2 });
  }

  @HandlesContract(countContract)
  async broken(): Promise<CountReply> {
    return Promise.resolve({ doubled: 'two' } as unknown as CountReply);
  }

  @HandlesContract(countedContract, { everyReplica: true })
  counted(request: CountRequest): void {
    calls.push({ request, subject: undefined });
  }
}

/** Method types that do not fit their contract do not compile (checked by `npm run typecheck`). */
export class Misfits {
  // @ts-expect-error the request is not the contract's request
  @HandlesContract(countContract)
  async wrongRequest(request: CountReply): Promise<CountReply> {
    return Promise.resolve(request);
  }

  // @ts-expect-error the reply is not the contract's reply
  @HandlesContract(countContract)
  async wrongReply(request: CountRequest): Promise<CountRequest> {
    return Promise.resolve(request);
  }

  // @ts-expect-error a request/reply handler must answer with a promise of the reply
  @HandlesContract(countContract)
  syncReply(): CountReply {
    return { doubled: 1 };
  }
}

const subject = 'ns.switchboard.v1.test.instance-a.count';
const contextOn = (on: string) => new NatsContext([on, undefined]);
/** Calls a decorated method as Nest's NATS server does: (payload, context), in the server's context. */
const receive = (method: keyof Handlers, payload: unknown, on = subject): Promise<unknown> =>
  withSubjectVariables({ namespace: 'ns' }, () =>
    (Handlers.prototype[method] as (payload: unknown, context: NatsContext) => Promise<unknown>).call(
      new Handlers(),
      payload,
      contextOn(on),
    ),
  );
const refusal = async (work: Promise<unknown>): Promise<DomainException> => {
  const error: unknown = await work.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(DomainException);
  return error as DomainException;
};

describe('@HandlesContract', () => {
  beforeEach(() => (calls.length = 0));

  it('registers a request/reply pattern on the contract subject, and an event for a contract without reply', () => {
    const count = Handlers.prototype.count as object;
    expect(Reflect.getMetadata('microservices:pattern', count)).toEqual([countContract.subject]);
    expect(Reflect.getMetadata('microservices:handler_type', count)).toBe(1);
    const counted = Handlers.prototype.counted as object;
    expect(Reflect.getMetadata('microservices:pattern', counted)).toEqual([countedContract.subject]);
    expect(Reflect.getMetadata('microservices:handler_type', counted)).toBe(2);
    expect(Reflect.getMetadata('microservices:pattern_extras', counted)).toEqual({ queue: EVERY_REPLICA });
  });

  it('hands Nest the payload and the context, typed so that the global pipe leaves validation to the contract', () => {
    const args = Reflect.getMetadata('__routeArguments__', Handlers, 'count') as Record<string, { index: number }>;
    expect(
      Object.values(args)
        .map((arg) => arg.index)
        .sort(),
    ).toEqual([0, 1]);
    expect(Reflect.getMetadata('design:paramtypes', Handlers.prototype, 'count')).toEqual([Object, Object]);
  });

  it('passes a valid request, as an instance of the contract class, and the context, and returns the reply', async () => {
    await expect(receive('count', { instanceId: 'instance-a', count: 21 })).resolves.toEqual({ doubled: 42 });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.request).toBeInstanceOf(CountRequest);
    expect(calls[0]?.subject).toBe(subject);
  });

  it.each([
    ['a wrong type', { instanceId: 'instance-a', count: 'many' }, 'count'],
    ['a missing field', { count: 1 }, 'instanceId'],
    ['an unknown field', { instanceId: 'instance-a', count: 1, admin: true }, 'admin'],
    ['not an object', [1, 2], '(message)'],
    ['null', null, '(message)'],
  ])(
    'refuses %s with 400 validation_failed naming the field, without calling the handler',
    async (_, payload, field) => {
      const error = await refusal(receive('count', payload));
      expect(error).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(error.extras.errors?.map((each) => each.field)).toContain(field);
      expect(calls).toEqual([]);
    },
  );

  it('accepts an instance speaking for itself on a subject that names the sender', async () => {
    await expect(receive('fromInstance', { instanceId: 'instance-a', count: 1 })).resolves.toEqual({ doubled: 2 });
  });

  it.each([
    ['another instance in the payload', subject, 'instance-b'],
    ['a subject of another namespace', 'other.switchboard.v1.test.instance-a.count', 'instance-a'],
    ['a subject of another message', 'ns.switchboard.v1.test.instance-a.counted', 'instance-a'],
  ])('refuses %s with 403 forbidden, without calling the handler', async (_, on, instanceId) => {
    const error = await refusal(receive('fromInstance', { instanceId, count: 1 }, on));
    expect(error).toMatchObject({ status: 403, code: 'forbidden' });
    expect(calls).toEqual([]);
  });

  it('does not guess a namespace outside the NATS server', async () => {
    const method = Handlers.prototype.fromInstance as (payload: unknown, context: NatsContext) => Promise<unknown>;
    await expect(
      method.call(new Handlers(), { instanceId: 'instance-a', count: 1 }, contextOn(subject)),
    ).rejects.toThrow(/outside TemplatedServerNats/);
  });

  it('turns a reply that breaks the contract into 500 internal_error naming the field', async () => {
    const error = await refusal(receive('broken', { instanceId: 'instance-a', count: 1 }));
    expect(error).toMatchObject({ status: 500, code: 'internal_error' });
    expect(error.detail).toMatch(/doubled/);
  });

  it('drops an invalid event without calling the handler (an event has no reply), and handles a valid one', async () => {
    await expect(receive('counted', { instanceId: 'instance-a', count: -1 })).resolves.toBeUndefined();
    expect(calls).toEqual([]);
    await expect(receive('counted', { instanceId: 'instance-a', count: 1 })).resolves.toBeUndefined();
    expect(calls).toHaveLength(1);
  });

  it('refuses to send a request/reply contract to every replica', () => {
    const decorate = () => {
      class Wrong {
        @HandlesContract(countContract, { everyReplica: true })
        async count(): Promise<CountReply> {
          return Promise.resolve({ doubled: 0 });
        }
      }
      return Wrong;
    };
    expect(decorate).toThrow(/only events go to every replica/);
  });
});
