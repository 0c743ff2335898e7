import type { Workspace } from './workspace.entity.js';
import { WorkspaceCache } from './workspace-cache.js';
import type { WorkspacesRepository } from './workspaces.repository.js';

/** A repository whose reads the test answers one by one, counting them. */
function repository() {
  const pending: ((workspace: Workspace | null) => void)[] = [];
  const fake = {
    reads: 0,
    findByKey: () => {
      fake.reads += 1;
      return new Promise<Workspace | null>((resolve) => pending.push(resolve));
    },
    answer: (workspace: Workspace | null) => pending.shift()?.(workspace),
  };
  return fake;
}

const workspace = (key: string) => ({ key, id: `id-${key}` }) as Workspace;

describe('WorkspaceCache', () => {
  it('reads a key once for all who ask while it is being read, then answers from memory', async () => {
    const repo = repository();
    const sut = new WorkspaceCache(repo as unknown as WorkspacesRepository);
    const asked = Array.from({ length: 32 }, () => sut.byKey('ws'));
    expect(repo.reads).toBe(1);
    repo.answer(workspace('ws'));
    expect(new Set(await Promise.all(asked)).size).toBe(1);
    expect(sut.cached('ws')).toMatchObject({ key: 'ws' });
    await sut.byKey('ws');
    expect(repo.reads).toBe(1);
  });

  it('neither shares nor caches a read that an invalidation overtook', async () => {
    const repo = repository();
    const sut = new WorkspaceCache(repo as unknown as WorkspacesRepository);
    const before = sut.byKey('ws');
    sut.invalidate('ws');
    const after = sut.byKey('ws');
    expect(repo.reads).toBe(2);
    repo.answer(workspace('stale'));
    expect(await before).toMatchObject({ key: 'stale' });
    expect(sut.cached('ws')).toBeUndefined();
    repo.answer(workspace('ws'));
    expect(await after).toMatchObject({ key: 'ws' });
    expect(sut.cached('ws')).toMatchObject({ key: 'ws' });
  });

  it('shares a failed read with those waiting, and reads again for the next', async () => {
    const repo = repository();
    const sut = new WorkspaceCache({
      findByKey: () => {
        repo.reads += 1;
        return Promise.reject(new Error('down'));
      },
    } as unknown as WorkspacesRepository);
    await expect(Promise.all([sut.byKey('ws'), sut.byKey('ws')])).rejects.toThrow('down');
    expect(repo.reads).toBe(1);
    await expect(sut.byKey('ws')).rejects.toThrow('down');
    expect(repo.reads).toBe(2);
  });
});
