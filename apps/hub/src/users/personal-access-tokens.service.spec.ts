import { sha256Hex } from '@switchboard/crypto';

import { PersonalAccessTokensService } from './personal-access-tokens.service.js';
import type { TokenUser, UsersRepository } from './users.repository.js';

const TOKEN = 'sbp_test-token';

function row(change: Partial<TokenUser> = {}): TokenUser {
  const base: TokenUser = {
    token_id: 'token-1',
    revoked_at: null,
    expires_at: null,
    last_used_at: new Date(),
    id: 'user-1',
    email: 'a@example.test',
    name: 'A',
    isPlatformAdmin: false,
    permissions: [],
    createdAt: new Date(),
    updatedAt: new Date(),
  };
  return { ...base, ...change };
}

/** A repository whose token reads the test answers one by one, counting them. */
function repository() {
  const pending: ((row: TokenUser | null) => void)[] = [];
  const fake = {
    reads: 0,
    findByTokenHash: (hash: string) => {
      expect(hash).toBe(sha256Hex(TOKEN));
      fake.reads += 1;
      return new Promise<TokenUser | null>((resolve) => pending.push(resolve));
    },
    revokeToken: () => Promise.resolve([sha256Hex(TOKEN)]),
    touchLastUsed: () => Promise.resolve(),
    answer: (answer: TokenUser | null) => pending.shift()?.(answer),
  };
  return fake;
}

describe('PersonalAccessTokensService.authenticate', () => {
  it('reads a token once for all requests that ask while it is being read, then answers from memory', async () => {
    const repo = repository();
    const sut = new PersonalAccessTokensService(repo as unknown as UsersRepository);
    const asked = Array.from({ length: 32 }, () => sut.authenticate(TOKEN));
    expect(repo.reads).toBe(1);
    repo.answer(row());
    for (const principal of await Promise.all(asked)) expect(principal).toMatchObject({ tokenId: 'token-1' });
    expect(sut.authenticateCached(TOKEN)).toMatchObject({ user: { id: 'user-1' } });
    expect(repo.reads).toBe(1);
  });

  it('checks the shared row for each request: a revoked token is refused to all who waited', async () => {
    const repo = repository();
    const sut = new PersonalAccessTokensService(repo as unknown as UsersRepository);
    const asked = [sut.authenticate(TOKEN), sut.authenticate(TOKEN)];
    repo.answer(row({ revoked_at: new Date() }));
    for (const outcome of await Promise.allSettled(asked)) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'token_revoked' } });
    }
  });

  it('does not remember, nor share further, a read that a revocation on this replica overtook', async () => {
    const repo = repository();
    const sut = new PersonalAccessTokensService(repo as unknown as UsersRepository);
    const before = sut.authenticate(TOKEN);
    await sut.revoke('user-1', 'token-1');
    const after = sut.authenticate(TOKEN);
    expect(repo.reads).toBe(2);
    repo.answer(row());
    await expect(before).resolves.toMatchObject({ tokenId: 'token-1' });
    expect(sut.authenticateCached(TOKEN)).toBeUndefined();
    repo.answer(row({ revoked_at: new Date() }));
    await expect(after).rejects.toMatchObject({ code: 'token_revoked' });
  });
});
