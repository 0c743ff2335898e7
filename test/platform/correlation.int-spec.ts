import http from 'node:http';
import { Writable } from 'node:stream';

import { Body, Controller, Get, Logger, Module, Post } from '@nestjs/common';
import { EventPattern, MessagePattern } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type Contract, subjectTemplate } from '@switchboard/contracts';
import {
  createService,
  currentCorrelationId,
  NatsClient,
  PlatformModule,
  Public,
  withCorrelationId,
} from '@switchboard/server';
import { listenOnLoopback, natsNamespace, natsUrl, waitFor } from '@switchboard/testing';
import { IsOptional, IsString } from 'class-validator';

class EchoRequest {}
class EchoBody {
  @IsString() value!: string;
}
class EchoReply {
  @IsOptional() @IsString() correlationId?: string;
}
const echoContract: Contract<EchoRequest, EchoReply> = {
  subject: subjectTemplate('test.echo-correlation'),
  request: EchoRequest,
  reply: EchoReply,
};

const noticeContract: Contract<EchoRequest, void> = {
  subject: subjectTemplate('test.notice-correlation'),
  request: EchoRequest,
  reply: undefined,
};
/** Correlation ids as each listener of noticeContract saw them. */
const heard: string[] = [];

/** A second listener of the same event, so that both are seen to be called, each in the context. */
@Controller()
class SecondListener {
  @EventPattern<string>(noticeContract.subject)
  hear(): void {
    heard.push(`second:${currentCorrelationId()}`);
  }
}

@Controller()
class EchoController {
  constructor(private readonly nats: NatsClient) {}

  @Public()
  @Get('echo')
  async echo(): Promise<{ http?: string; nats?: string }> {
    const reply = await this.nats.request(echoContract, {});
    return { http: currentCorrelationId(), nats: reply.correlationId };
  }

  /** Fastify reads a body from socket events: the handler still runs in the request's context. */
  @Public()
  @Post('echo')
  async echoBody(@Body() body: EchoBody): Promise<{ http?: string; nats?: string; value: string }> {
    new Logger('Echo').log(`echoing ${body.value}`);
    const reply = await this.nats.request(echoContract, {});
    return { http: currentCorrelationId(), nats: reply.correlationId, value: body.value };
  }

  @MessagePattern(echoContract.subject)
  handle(): EchoReply {
    return { correlationId: currentCorrelationId() };
  }

  @EventPattern<string>(noticeContract.subject)
  hear(): void {
    heard.push(`first:${currentCorrelationId()}`);
  }
}

describe('correlation id', () => {
  let app: NestFastifyApplication;
  let url: string;
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });

  beforeAll(async () => {
    const namespace = natsNamespace();
    @Module({
      imports: [
        PlatformModule.forRoot({
          service: 'correlation-test',
          logLevel: 'info',
          logDestination: destination,
          natsUrl: natsUrl(),
          natsNamespace: namespace,
          natsRequestTimeoutMs: 2000,
        }),
      ],
      controllers: [EchoController, SecondListener],
    })
    class TestModule {}
    // PlatformModule's health check wants a TypeORM connection; this test only reads /echo.
    app = await createService(TestModule, {
      title: 'test',
      description: 'test',
      natsUrl: natsUrl(),
      subjectVariables: { namespace },
      serviceName: 'correlation-test',
    });
    url = await listenOnLoopback(app);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('travels from the HTTP header into the NATS headers and back', async () => {
    const response = await fetch(`${url}/echo`, { headers: { 'x-correlation-id': 'req-12345' } });
    expect(response.headers.get('x-correlation-id')).toBe('req-12345');
    expect(await response.json()).toEqual({ http: 'req-12345', nats: 'req-12345' });
  });

  it('stays with a request whose body came later, and marks its log lines', async () => {
    // The headers first, the body a moment later: Fastify then reads it from another socket event.
    const answer = new Promise<string>((resolve, reject) => {
      const request = http.request(`${url}/echo`, {
        method: 'POST',
        headers: { 'x-correlation-id': 'req-body-1', 'content-type': 'application/json', authorization: 'Bearer x' },
      });
      request.on('response', (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => resolve(text));
      });
      request.on('error', reject);
      request.flushHeaders();
      setTimeout(() => request.end(JSON.stringify({ value: 'hello' })), 30);
    });
    expect(JSON.parse(await answer)).toEqual({ http: 'req-body-1', nats: 'req-body-1', value: 'hello' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const mine = lines.filter((line) => line['correlationId'] === 'req-body-1');
    expect(mine.map((line) => line['msg'])).toEqual(['echoing hello', 'request completed']);
    expect(mine[1]).toMatchObject({ req: { method: 'POST', url: '/echo' }, res: { statusCode: 201 } });
    expect(JSON.stringify(lines)).not.toContain('Bearer x');
  });

  it('reaches every listener of an event', async () => {
    await withCorrelationId('evt-1', () => app.get(NatsClient).emit(noticeContract, {}));
    await waitFor(() => (heard.length === 2 ? true : undefined), { what: 'both listeners' });
    expect(heard.sort()).toEqual(['first:evt-1', 'second:evt-1']);
  });

  it('is made when the caller sends none, or sends an unsafe one', async () => {
    const cases: Record<string, string>[] = [{}, { 'x-correlation-id': 'bad id\twith spaces' }];
    for (const headers of cases) {
      const response = await fetch(`${url}/echo`, { headers });
      const id = response.headers.get('x-correlation-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(await response.json()).toEqual({ http: id, nats: id });
    }
  });
});
