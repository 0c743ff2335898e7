import { Controller, Get, Module } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type Contract, subjectTemplate } from '@switchboard/contracts';
import { createService, currentCorrelationId, NatsClient, PlatformModule, Public } from '@switchboard/server';
import { listenOnLoopback, natsNamespace, natsUrl } from '@switchboard/testing';
import { IsOptional, IsString } from 'class-validator';

class EchoRequest {}
class EchoReply {
  @IsOptional() @IsString() correlationId?: string;
}
const echoContract: Contract<EchoRequest, EchoReply> = {
  subject: subjectTemplate('test.echo-correlation'),
  request: EchoRequest,
  reply: EchoReply,
};

@Controller()
class EchoController {
  constructor(private readonly nats: NatsClient) {}

  @Public()
  @Get('echo')
  async echo(): Promise<{ http?: string; nats?: string }> {
    const reply = await this.nats.request(echoContract, {});
    return { http: currentCorrelationId(), nats: reply.correlationId };
  }

  @MessagePattern(echoContract.subject)
  handle(): EchoReply {
    return { correlationId: currentCorrelationId() };
  }
}

describe('correlation id', () => {
  let app: NestFastifyApplication;
  let url: string;

  beforeAll(async () => {
    const namespace = natsNamespace();
    @Module({
      imports: [
        PlatformModule.forRoot({
          service: 'correlation-test',
          logLevel: 'silent',
          natsUrl: natsUrl(),
          natsNamespace: namespace,
          natsRequestTimeoutMs: 2000,
        }),
      ],
      controllers: [EchoController],
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
