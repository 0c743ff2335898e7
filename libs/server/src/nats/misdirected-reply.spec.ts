import { misdirectedReply } from './templated-server-nats.js';

describe('misdirectedReply', () => {
  const subject = 'ns.switchboard.v1.hub.instances.instance-a.reconcile';

  it("accepts a request from an instance whose reply goes to that instance's own inbox", () => {
    expect(misdirectedReply('ns', subject, '_INBOX.instance.instance-a.abc123')).toBeUndefined();
  });

  it("refuses one whose reply would land on another service's subject or inbox", () => {
    for (const reply of [
      'switchboard.v1.instance.instance-b.workspaces.apply',
      'ns.switchboard.v1.hub.instances.instance-b.heartbeat',
      '_INBOX.instance.instance-b.abc123',
      '_INBOX.hub.abc123',
      '_INBOX.instance.instance-ab.x',
    ]) {
      expect({ reply, refused: misdirectedReply('ns', subject, reply) !== undefined }).toEqual({
        reply,
        refused: true,
      });
    }
  });

  it('leaves events (no reply) and subjects not from an instance alone', () => {
    expect(misdirectedReply('ns', subject, undefined)).toBeUndefined();
    expect(
      misdirectedReply('ns', 'ns.switchboard.v1.instance.instance-a.workspaces.apply', '_INBOX.hub.x'),
    ).toBeUndefined();
    expect(
      misdirectedReply('', 'ns.switchboard.v1.hub.instances.instance-a.reconcile', '_INBOX.hub.x'),
    ).toBeUndefined();
  });
});
