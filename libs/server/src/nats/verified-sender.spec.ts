import 'reflect-metadata';

import { NatsContext } from '@nestjs/microservices';
import { reconcileInstanceContract, registerInstanceContract } from '@switchboard/contracts';

import { DomainException } from '../errors/domain.exception.js';
import { verifiedSender } from './verified-sender.js';

const contextOn = (subject: string) => new NatsContext([subject, undefined]);

describe('verifiedSender', () => {
  it('is the instance the subject names, when the payload names the same one', () => {
    const sut = verifiedSender(
      registerInstanceContract,
      'ns',
      contextOn('ns.switchboard.v1.hub.instances.instance-a.register'),
      'instance-a',
    );
    expect(sut).toBe('instance-a');
  });

  it.each([
    ['another instance in the payload', 'switchboard.v1.hub.instances.instance-a.reconcile', 'instance-b'],
    ['a subject of another namespace', 'other.switchboard.v1.hub.instances.instance-b.reconcile', 'instance-b'],
    ['a subject of another message', 'switchboard.v1.hub.instances.instance-b.register', 'instance-b'],
  ])('refuses %s with a 403', (_, subject, claimed) => {
    const verify = () => verifiedSender(reconcileInstanceContract, '', contextOn(subject), claimed);
    expect(verify).toThrow(DomainException);
    expect(verify).toThrow(/may speak only for the instance its subject names/);
    try {
      verify();
    } catch (error) {
      expect(error).toMatchObject({ status: 403, code: 'forbidden' });
    }
  });
});
