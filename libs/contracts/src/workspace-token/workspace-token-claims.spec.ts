import { claimsProblem, MAX_TOKEN_ACTOR_SUB_LENGTH } from './workspace-token-claims.js';

describe('claimsProblem: the act claim (RFC 8693 §4.1, API.md Switch Account)', () => {
  it('accepts claims without act, and an act with a sub and a chain of up to 4', () => {
    expect(claimsProblem({ iss: 'ws', tenantKey: 't' })).toBeUndefined();
    expect(claimsProblem({ act: { sub: 'u' } })).toBeUndefined();
    expect(
      claimsProblem({ act: { sub: 'a', act: { sub: 'b', act: { sub: 'c', act: { sub: 'd' } } } } }),
    ).toBeUndefined();
    expect(claimsProblem({ act: { sub: 'x'.repeat(MAX_TOKEN_ACTOR_SUB_LENGTH) } })).toBeUndefined();
  });

  it.each([
    ['null', null, 'act'],
    ['an array', [{ sub: 'u' }], 'act'],
    ['a string', 'u', 'act'],
    ['no sub', {}, 'act.sub'],
    ['a number sub', { sub: 1 }, 'act.sub'],
    ['an empty sub', { sub: '' }, 'act.sub'],
    ['an oversized sub', { sub: 'x'.repeat(MAX_TOKEN_ACTOR_SUB_LENGTH + 1) }, 'act.sub'],
    ['another claim', { sub: 'u', role: 'admin' }, 'act.role'],
    ['a bad nested act', { sub: 'u', act: { sub: 2 } }, 'act.act.sub'],
    [
      'a chain of 5',
      { sub: 'a', act: { sub: 'b', act: { sub: 'c', act: { sub: 'd', act: { sub: 'e' } } } } },
      'act.act.act.act.act',
    ],
  ])('refuses act as %s, naming the field', (_, act, field) => {
    expect(claimsProblem({ act })?.field).toBe(field);
  });
});
