import 'reflect-metadata';

import { instanceHeartbeatContract } from './instance-heartbeat/instance-heartbeat.contract.js';
import { reconcileInstanceContract } from './reconcile-instance/reconcile-instance.contract.js';
import { registerInstanceContract } from './register-instance/register-instance.contract.js';
import { ANY_INSTANCE, fillSubject, instanceIdOfSubject, instanceInboxPrefix } from './subjects.js';
import { tenantChangedContract } from './tenant-changed/tenant-changed.contract.js';

describe('subjects an instance sends to the Hub', () => {
  const toHub = [registerInstanceContract, instanceHeartbeatContract, reconcileInstanceContract];

  it.each(toHub.map((contract) => [contract.subject, contract]))(
    '%s carries the sender in the subject, so that NATS permissions can name it',
    (_, contract) => {
      expect(fillSubject(contract.subject, { namespace: '', instanceId: 'instance-a' })).toMatch(
        /^switchboard\.v1\.hub\.instances\.instance-a\.[a-z]+$/,
      );
      expect(() => fillSubject(contract.subject, { namespace: '' })).toThrow(/needs an instanceId/);
    },
  );

  it('the Hub hears every instance on one wildcard subject', () => {
    expect(fillSubject(registerInstanceContract.subject, { namespace: 'ns', instanceId: ANY_INSTANCE })).toBe(
      'ns.switchboard.v1.hub.instances.*.register',
    );
  });

  it('reads the sender from a subject that fits the template, and nothing from one that does not', () => {
    const template = registerInstanceContract.subject;
    expect(instanceIdOfSubject(template, '', 'switchboard.v1.hub.instances.instance-b.register')).toBe('instance-b');
    expect(instanceIdOfSubject(template, 'ns', 'ns.switchboard.v1.hub.instances.instance-b.register')).toBe(
      'instance-b',
    );
    for (const subject of [
      'switchboard.v1.hub.instances.instance-b.heartbeat',
      'other.switchboard.v1.hub.instances.instance-b.register',
      'switchboard.v1.hub.instances.a.b.register',
      'switchboard.v1.hub.instances..register',
    ]) {
      expect({ subject, sender: instanceIdOfSubject(template, '', subject) }).toEqual({ subject, sender: undefined });
    }
    expect(instanceIdOfSubject('{namespace}switchboard.v1.hub.ping', '', 'switchboard.v1.hub.ping')).toBeUndefined();
  });

  it('keeps the instance broadcast under the instance own subjects, and inboxes apart per instance', () => {
    expect(fillSubject(tenantChangedContract.subject, { namespace: '', instanceId: 'instance-a' })).toBe(
      'switchboard.v1.instance.instance-a.tenants.changed',
    );
    expect(instanceInboxPrefix('hub')).not.toBe('_INBOX.hub');
  });
});
