import { ContractViolation, parseMessage } from '../contract.js';
import { instanceHeartbeatContract } from '../instance-heartbeat/instance-heartbeat.contract.js';
import { registerInstanceContract } from './register-instance.contract.js';

/** An instance's schema level on the wire (issue 14's moves): a migration's name, or nothing (unknown). */
describe('schemaLevel in registrations and heartbeats', () => {
  const heartbeat = { instanceId: 'instance-a', apiUrl: 'http://localhost:8081', sentAt: new Date().toISOString() };
  const registration = { instanceId: 'instance-a', name: 'A', apiUrl: 'http://localhost:8081', keyIds: ['v1'] };
  /** Each message that carries the level, parsed with `extra` fields as its receiver parses it. */
  const parsers: ((extra: Record<string, unknown>) => unknown)[] = [
    (extra) =>
      parseMessage(instanceHeartbeatContract.subject, instanceHeartbeatContract.request, { ...heartbeat, ...extra }),
    (extra) =>
      parseMessage(registerInstanceContract.subject, registerInstanceContract.request, { ...registration, ...extra }),
  ];

  it('accepts a migration name, or none (an instance built before levels)', () => {
    for (const parse of parsers) {
      expect(parse({})).not.toHaveProperty('schemaLevel');
      const level = 'UsageIdsAcrossInstances1766900000000';
      expect(parse({ schemaLevel: level })).toMatchObject({ schemaLevel: level });
    }
  });

  it.each([
    ['a NUL', 'Level\u0000'],
    ['a path', '../etc'],
    ['an empty string', ''],
    ['more than 200 characters', `L${'x'.repeat(200)}`],
    ['a number', 1766900000000],
  ])('refuses %s, naming the field', (_name, schemaLevel) => {
    for (const parse of parsers) {
      expect(() => parse({ schemaLevel })).toThrow(ContractViolation);
      expect(() => parse({ schemaLevel })).toThrow(/schemaLevel/);
    }
  });
});
