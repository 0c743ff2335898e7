import { applyWorkspaceSnapshotContract } from './apply-workspace-snapshot/apply-workspace-snapshot.contract.js';
import { ContractViolation, parseMessage } from './contract.js';
import { fillSubject } from './subjects.js';

describe('parseMessage', () => {
  const contract = applyWorkspaceSnapshotContract;
  const snapshot = {
    workspaceId: '6f1f7a39-3a8b-4e0e-9f59-4b8f1f0b7a11',
    orgId: '0b9f1d5e-2f0e-4a53-9d0d-8f1c7e3f2a10',
    key: 'acme-prod',
    name: 'Acme',
    settings: {},
    webhookUri: null,
    publicKeys: [],
    sealedSecret: 'v1:a:b:c',
    previousSecrets: [],
    archivedAt: null,
    version: 3,
  };
  const valid = { snapshot, signature: 'c2lnbmF0dXJl' };

  it('names the subject with its version and the instance it addresses', () => {
    expect(fillSubject(contract.subject, { namespace: 'test', instanceId: 'instance-a' })).toBe(
      'test.switchboard.v1.instance.instance-a.workspaces.apply',
    );
    expect(fillSubject(contract.subject, { namespace: '', instanceId: 'b' })).toBe(
      'switchboard.v1.instance.b.workspaces.apply',
    );
    expect(() => fillSubject(contract.subject, { namespace: '' })).toThrow(/needs an instanceId/);
  });

  it('accepts a valid snapshot', () => {
    expect(parseMessage(contract.subject, contract.request, valid)).toMatchObject({
      snapshot: { version: 3, key: 'acme-prod' },
    });
  });

  it.each([
    ['a missing field', { ...valid, snapshot: { ...snapshot, version: undefined } }, /snapshot\.version/],
    ['a missing signature', { snapshot }, /signature/],
    ['a wrong type', { ...valid, snapshot: { ...snapshot, settings: 'x' } }, /settings/],
    ['an unknown field', { ...valid, extra: 1 }, /extra/],
    [
      'a bad nested field',
      { ...valid, snapshot: { ...snapshot, previousSecrets: [{ sealedSecret: 's', expiresAt: 'soon' }] } },
      /previousSecrets\.0\.expiresAt/,
    ],
    [
      'more than five previous secrets',
      {
        ...valid,
        snapshot: {
          ...snapshot,
          previousSecrets: Array.from({ length: 6 }, () => ({
            sealedSecret: 's',
            expiresAt: '2030-01-01T00:00:00.000Z',
          })),
        },
      },
      /previousSecrets/,
    ],
    ['not an object', [1, 2], /JSON object/],
    [
      'a NUL in a string Postgres would be handed',
      { ...valid, snapshot: { ...snapshot, name: 'a\u0000b' } },
      /snapshot\.name/,
    ],
    ['a lone surrogate in a key', { ...valid, snapshot: { ...snapshot, settings: { ['k\ud800']: 1 } } }, /settings/],
    ['a number JSON gave as infinite', { ...valid, snapshot: { ...snapshot, settings: { n: Infinity } } }, /finite/],
  ])('refuses %s', (_, payload, message) => {
    expect(() => parseMessage(contract.subject, contract.request, payload)).toThrow(ContractViolation);
    expect(() => parseMessage(contract.subject, contract.request, payload)).toThrow(message);
  });
});
