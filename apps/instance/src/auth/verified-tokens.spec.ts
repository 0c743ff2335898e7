import type { Workspace } from '../workspaces/workspace.entity.js';
import { VerifiedTokens } from './verified-tokens.js';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const seconds = (ms: number) => Math.floor(ms / 1000);

function workspace(change: Partial<Workspace> = {}): Workspace {
  return {
    key: 'ws',
    configVersion: 3,
    previousSealedSecrets: [],
    ...change,
  } as Workspace;
}

describe('VerifiedTokens', () => {
  let sut: VerifiedTokens;

  beforeEach(() => {
    sut = new VerifiedTokens();
  });

  it('reuses a verification with the workspace version it was checked against', () => {
    sut.remember('t', { iss: 'ws', exp: seconds(NOW) + 600 }, workspace(), NOW);
    expect(sut.lookup('t', NOW + 1000)).toMatchObject({ workspaceKey: 'ws', configVersion: 3 });
    expect(sut.lookup('other', NOW + 1000)).toBeUndefined();
  });

  it('never past the token expiry, nor a minute', () => {
    sut.remember('short', { iss: 'ws', exp: seconds(NOW) + 5 }, workspace(), NOW);
    sut.remember('long', { iss: 'ws', exp: seconds(NOW) + 3600 }, workspace(), NOW);
    expect(sut.lookup('short', NOW + 4_999)).toBeDefined();
    expect(sut.lookup('short', NOW + 5_000)).toBeUndefined();
    expect(sut.lookup('long', NOW + 59_999)).toBeDefined();
    expect(sut.lookup('long', NOW + 60_000)).toBeUndefined();
  });

  it('never past the end of a previous secret’s grace period, which the token may have been signed with', () => {
    const rotating = workspace({
      previousSealedSecrets: [{ sealedSecret: 'old', expiresAt: new Date(NOW + 2_000).toISOString() }],
    });
    sut.remember('t', { iss: 'ws', exp: seconds(NOW) + 600 }, rotating, NOW);
    expect(sut.lookup('t', NOW + 1_999)).toBeDefined();
    expect(sut.lookup('t', NOW + 2_000)).toBeUndefined();
  });

  it('with several previous secrets, never past the soonest live expiry', () => {
    const rotating = workspace({
      previousSealedSecrets: [
        { sealedSecret: 'newer', expiresAt: new Date(NOW + 9_000).toISOString() },
        { sealedSecret: 'older', expiresAt: new Date(NOW + 3_000).toISOString() },
        { sealedSecret: 'gone', expiresAt: new Date(NOW - 1_000).toISOString() },
      ],
    });
    sut.remember('t', { iss: 'ws', exp: seconds(NOW) + 600 }, rotating, NOW);
    expect(sut.lookup('t', NOW + 2_999)).toBeDefined();
    expect(sut.lookup('t', NOW + 3_000)).toBeUndefined();
  });

  it('does not remember a token that is already past its use', () => {
    sut.remember('t', { iss: 'ws', exp: seconds(NOW) }, workspace(), NOW);
    expect(sut.lookup('t', NOW)).toBeUndefined();
  });
});
