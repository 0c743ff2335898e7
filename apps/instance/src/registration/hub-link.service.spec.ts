import { registerInstanceContract, type RegisterInstanceRequest } from '@switchboard/contracts';
import { NatsErrorReply } from '@switchboard/server';

import type { InstanceConfig } from '../config.js';
import { HubLinkService } from './hub-link.service.js';

const LEVEL = 'UsageIdsAcrossInstances1766900000000';

/** The link with its collaborators faked: what it sends on which subject, and a Hub that answers `register`. */
function link(answerRegister: (request: RegisterInstanceRequest) => Promise<object>) {
  const sent: { subject: string; payload: Record<string, unknown> }[] = [];
  const nats = {
    request: (contract: { subject: string }, payload: Record<string, unknown>) => {
      sent.push({ subject: contract.subject, payload });
      return contract.subject === registerInstanceContract.subject
        ? answerRegister(payload as unknown as RegisterInstanceRequest)
        : Promise.reject(new Error('not under test'));
    },
    emit: (contract: { subject: string }, payload: Record<string, unknown>) => {
      sent.push({ subject: contract.subject, payload });
      return Promise.resolve();
    },
  };
  const config = {
    INSTANCE_ID: 'instance-a',
    INSTANCE_API_URL: 'http://127.0.0.1:9',
    INSTANCE_HEARTBEAT_INTERVAL_MS: 10,
    INSTANCE_RECONCILE_INTERVAL_MS: 60_000,
  } as unknown as InstanceConfig;
  const sut = new HubLinkService(
    config,
    nats as never,
    {} as never,
    { versions: ['v1'] } as never,
    { succeeded: () => undefined } as never,
    {} as never,
    { latest: () => Promise.resolve(LEVEL) } as never,
  );
  return { sut, sent };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
};

describe('HubLinkService: the schema level', () => {
  it("registers and beats with its database's schema level", async () => {
    const { sut, sent } = link(() => Promise.resolve({ heartbeatIntervalMs: 10 }));
    sut.onApplicationBootstrap();
    try {
      await until(() => sent.some((message) => message.subject.endsWith('.heartbeat')));
      expect(sent[0]).toMatchObject({ payload: { instanceId: 'instance-a', schemaLevel: LEVEL } });
      expect(sent.find((message) => message.subject.endsWith('.heartbeat'))?.payload).toMatchObject({
        schemaLevel: LEVEL,
      });
    } finally {
      sut.onApplicationShutdown();
    }
  });

  it('registers without it at once when the Hub refuses it as invalid (a Hub from before levels), and beats without it', async () => {
    const { sut, sent } = link((request) => {
      if (request.schemaLevel !== undefined) {
        return Promise.reject(
          new NatsErrorReply(
            'register',
            'validation_failed',
            'schemaLevel: property schemaLevel should not exist',
            400,
          ),
        );
      }
      return Promise.resolve({ heartbeatIntervalMs: 10 });
    });
    sut.onApplicationBootstrap();
    try {
      await until(() => sent.some((message) => message.subject.endsWith('.heartbeat')));
      const registrations = sent.filter((message) => message.subject.endsWith('.register'));
      expect(registrations.map((message) => 'schemaLevel' in message.payload)).toEqual([true, false]);
      expect(
        sent.filter((message) => message.subject.endsWith('.heartbeat')).every((m) => !('schemaLevel' in m.payload)),
      ).toBe(true);
    } finally {
      sut.onApplicationShutdown();
    }
  });

  it('keeps the level when the Hub is only unreachable (retried as it was)', async () => {
    let calls = 0;
    const { sut, sent } = link(() => {
      calls += 1;
      return calls === 1
        ? Promise.reject(new NatsErrorReply('register', 'nats_timeout', 'no reply', 504))
        : Promise.resolve({ heartbeatIntervalMs: 10 });
    });
    sut.onApplicationBootstrap();
    try {
      await until(() => sent.filter((message) => message.subject.endsWith('.register')).length === 2);
      expect(
        sent
          .filter((message) => message.subject.endsWith('.register'))
          .every((m) => m.payload['schemaLevel'] === LEVEL),
      ).toBe(true);
    } finally {
      sut.onApplicationShutdown();
    }
  }, 10_000);
});
