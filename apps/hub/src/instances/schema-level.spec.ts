import { schemaMismatch } from './schema-level.js';

const at = (id: string, schemaLevel: string | null) => ({ id, schemaLevel });
const OLD = 'ApiKeyTenantById1766700000000';
const NEW = 'UsageIdsAcrossInstances1766900000000';

describe('schemaMismatch', () => {
  it('lets a move start and run between instances at the same level', () => {
    expect(schemaMismatch(at('a', NEW), at('b', NEW), 'start')).toBeNull();
    expect(schemaMismatch(at('a', NEW), at('b', NEW), 'running')).toBeNull();
  });

  it('refuses different levels, naming both instances and both levels, whether starting or running', () => {
    for (const when of ['start', 'running'] as const) {
      const sut = schemaMismatch(at('a', NEW), at('b', OLD), when);
      expect(sut).toContain(`Instance a is at schema level ${NEW}`);
      expect(sut).toContain(`instance b at ${OLD}`);
    }
  });

  it('compares levels as they are, not by their order: an older target is refused as a newer one is', () => {
    expect(schemaMismatch(at('a', OLD), at('b', NEW), 'start')).toContain(`b at ${NEW}`);
  });

  it('refuses a start when either level is unknown, or both are', () => {
    expect(schemaMismatch(at('a', NEW), at('b', null), 'start')).toContain('b at unknown (not reported)');
    expect(schemaMismatch(at('a', null), at('b', NEW), 'start')).toContain(
      'a is at schema level unknown (not reported)',
    );
    expect(schemaMismatch(at('a', null), at('b', null), 'start')).not.toBeNull();
  });

  it('fails a running move when one side reports a level and the other none (one side upgraded during it)', () => {
    expect(schemaMismatch(at('a', NEW), at('b', null), 'running')).toContain('unknown');
    expect(schemaMismatch(at('a', null), at('b', OLD), 'running')).toContain(OLD);
  });

  it('lets a running move go on when neither side reports a level (started before levels were recorded)', () => {
    expect(schemaMismatch(at('a', null), at('b', null), 'running')).toBeNull();
  });
});
