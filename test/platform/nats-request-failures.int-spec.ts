import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Controller, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type Contract, fillSubject, subjectTemplate } from '@switchboard/contracts';
import {
  createService,
  DomainException,
  HandlesContract,
  NatsClient,
  NatsErrorReply,
  NatsFailureCode,
  NatsRequestFailed,
  PlatformModule,
} from '@switchboard/server';
import { listenOnLoopback, natsNamespace, natsServerProcess, natsUrl, waitFor } from '@switchboard/testing';
import { IsInt, IsString, Length, Min } from 'class-validator';

class CountRequest {
  @IsString() @Length(1, 40) instanceId!: string;
  @IsInt() @Min(0) count!: number;
}
class CountReply {
  @IsInt() doubled!: number;
}
const contract = (name: string): Contract<CountRequest, CountReply> => ({
  subject: subjectTemplate(`test.contracts.{instanceId}.${name}`),
  request: CountRequest,
  reply: CountReply,
});
const doubleContract = contract('double');
const conflictContract = contract('conflict');
const brokenReplyContract = contract('broken-reply');
const fromInstanceContract: Contract<CountRequest, CountReply> = { ...contract('from'), senderInSubject: true };
/** Answered by a raw NATS responder, not by a Nest handler. */
const rawContract = contract('raw');
const silentContract = contract('silent');
const nobodyContract = contract('nobody');
const countedContract: Contract<CountRequest, void> = {
  subject: subjectTemplate('test.contracts.{instanceId}.counted'),
  request: CountRequest,
  reply: undefined,
};

const counted: number[] = [];

@Controller()
class CountHandlers {
  @HandlesContract(doubleContract)
  async double(request: CountRequest): Promise<CountReply> {
    return Promise.resolve({ doubled: request.count * 2 });
  }

  @HandlesContract(conflictContract)
  async conflict(): Promise<CountReply> {
    return Promise.reject(DomainException.conflict('That count is taken.'));
  }

  @HandlesContract(brokenReplyContract)
  async brokenReply(): Promise<CountReply> {
    return Promise.resolve({ doubled: 'twice' } as unknown as CountReply);
  }

  @HandlesContract(fromInstanceContract)
  async fromInstance(request: CountRequest): Promise<CountReply> {
    return Promise.resolve({ doubled: request.count * 2 });
  }

  @HandlesContract(countedContract)
  count(request: CountRequest): void {
    counted.push(request.count);
  }
}

/** What every failure carries: its class, a stable code and the status it stands for. */
const failureOf = async (work: Promise<unknown>) => {
  const error: unknown = await work.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(NatsRequestFailed);
  const failure = error as NatsRequestFailed;
  return { type: failure.constructor.name, code: failure.code, status: failure.status };
};

describe('contract-bound NATS handlers and typed request failures', () => {
  const namespace = natsNamespace();
  let app: NestFastifyApplication;
  let client: NatsClient;
  let raw: NatsConnection;

  beforeAll(async () => {
    @Module({
      imports: [
        PlatformModule.forRoot({
          service: 'contracts-test',
          logLevel: 'silent',
          natsUrl: natsUrl(),
          natsNamespace: namespace,
          natsRequestTimeoutMs: 2000,
        }),
      ],
      controllers: [CountHandlers],
    })
    class TestModule {}
    // Like the Hub: no instance id of its own, so `{instanceId}` is a wildcard it hears every instance on.
    app = await createService(TestModule, {
      title: 'test',
      description: 'test',
      natsUrl: natsUrl(),
      subjectVariables: { namespace },
      serviceName: 'contracts-test',
    });
    await listenOnLoopback(app);
    client = new NatsClient({ url: natsUrl(), name: 'contracts-test-client', defaultTimeoutMs: 2000, namespace });
    await client.connect();
    raw = await connect({ servers: natsUrl() });
  });

  afterAll(async () => {
    await client?.onApplicationShutdown();
    await raw?.close();
    await app?.close();
  });

  const ask = (on: Contract<CountRequest, CountReply>, payload: unknown, instanceId = 'instance-a') =>
    client.request(on, payload as CountRequest, { instanceId });

  it('answers a valid request with the reply of its handler', async () => {
    await expect(ask(doubleContract, { instanceId: 'instance-a', count: 21 })).resolves.toEqual({ doubled: 42 });
  });

  it('refuses a request that breaks the contract: 400 validation_failed naming the field', async () => {
    const refusal = ask(doubleContract, { instanceId: 'instance-a', count: -1, extra: true });
    expect(await failureOf(refusal)).toEqual({ type: 'NatsErrorReply', code: 'validation_failed', status: 400 });
    const error = (await refusal.catch((thrown: unknown) => thrown)) as NatsErrorReply;
    expect(error.reason).toMatch(/count/);
    expect(error.reason).toMatch(/extra/);
  });

  it("delivers the handler's own error reply with its code and status", async () => {
    expect(await failureOf(ask(conflictContract, { instanceId: 'instance-a', count: 1 }))).toEqual({
      type: 'NatsErrorReply',
      code: 'conflict',
      status: 409,
    });
  });

  it('refuses to send a reply that breaks the contract: 500 internal_error', async () => {
    expect(await failureOf(ask(brokenReplyContract, { instanceId: 'instance-a', count: 1 }))).toEqual({
      type: 'NatsErrorReply',
      code: 'internal_error',
      status: 500,
    });
  });

  it('accepts an instance only for itself on a subject that names the sender: 403 forbidden otherwise', async () => {
    await expect(ask(fromInstanceContract, { instanceId: 'instance-a', count: 2 })).resolves.toEqual({ doubled: 4 });
    expect(await failureOf(ask(fromInstanceContract, { instanceId: 'instance-b', count: 2 }, 'instance-a'))).toEqual({
      type: 'NatsErrorReply',
      code: 'forbidden',
      status: 403,
    });
  });

  it('drops an event that breaks the contract and handles a valid one', async () => {
    await client.emit(countedContract, { instanceId: 'instance-a', count: -5 }, 'instance-a');
    await client.emit(countedContract, { instanceId: 'instance-a', count: 5 }, 'instance-a');
    await waitFor(() => (counted.length > 0 ? true : undefined), { what: 'the valid event' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(counted).toEqual([5]);
  });

  it('tells a reply that breaks the contract on arrival: nats_invalid_reply, 502', async () => {
    const subject = fillSubject(rawContract.subject, { namespace, instanceId: 'instance-a' });
    const subscription = raw.subscribe(subject, {
      callback: (_, message) => {
        message.respond(JSON.stringify({ response: { doubled: 'lots' } }));
      },
    });
    await raw.flush();
    try {
      expect(await failureOf(ask(rawContract, { instanceId: 'instance-a', count: 1 }))).toEqual({
        type: 'NatsRequestFailed',
        code: NatsFailureCode.InvalidReply,
        status: 502,
      });
    } finally {
      subscription.unsubscribe();
    }
  });

  it('tells a responder that never answers: nats_timeout, 504', async () => {
    const subject = fillSubject(silentContract.subject, { namespace, instanceId: 'instance-a' });
    const subscription = raw.subscribe(subject, { callback: () => undefined });
    await raw.flush();
    try {
      const request = client.request(
        silentContract,
        { instanceId: 'instance-a', count: 1 },
        { instanceId: 'instance-a', timeoutMs: 200 },
      );
      expect(await failureOf(request)).toEqual({
        type: 'NatsRequestFailed',
        code: NatsFailureCode.Timeout,
        status: 504,
      });
    } finally {
      subscription.unsubscribe();
    }
  });

  it('tells a subject nobody listens on: nats_no_responders, 503', async () => {
    expect(await failureOf(ask(nobodyContract, { instanceId: 'instance-a', count: 1 }))).toEqual({
      type: 'NatsRequestFailed',
      code: NatsFailureCode.NoResponders,
      status: 503,
    });
  });

  it('tells a subject this user may not publish on: nats_permission_denied, 403', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'sb-nats-permissions-'));
    const config = join(directory, 'nats-server.conf');
    writeFileSync(
      config,
      `authorization { users = [ { user: limited, password: limited-password,
         permissions: { publish: { deny: ["*.switchboard.v1.test.contracts.*.nobody"] }, subscribe: ">" } } ] }\n`,
    );
    const server = await natsServerProcess({ configFile: config });
    const limited = new NatsClient({
      url: server.url,
      name: 'contracts-test-limited',
      defaultTimeoutMs: 2000,
      namespace,
      credentials: { user: 'limited', password: 'limited-password' },
    });
    try {
      await limited.connect();
      const request = limited.request(
        nobodyContract,
        { instanceId: 'instance-a', count: 1 },
        { instanceId: 'instance-a' },
      );
      expect(await failureOf(request)).toEqual({
        type: 'NatsRequestFailed',
        code: NatsFailureCode.PermissionDenied,
        status: 403,
      });
    } finally {
      await limited.onApplicationShutdown();
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
