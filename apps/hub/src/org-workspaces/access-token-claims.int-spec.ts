import { HubFixtures, json, type OrgFixture } from '../../test/hub-fixtures.js';
import { type HubHarness, startHub } from '../../test/hub-harness.js';

/**
 * The Hub must not sign a claim its instance would refuse (API.md, Trust
 * boundaries → Strings): instances answer `401 invalid_token` to a claim with
 * `\u0000` or a lone surrogate, so the Hub refuses such a body with a 400.
 * Written before the generic body check that makes it pass, which refuses
 * such strings in every body field.
 */
describe('access tokens with claims Postgres cannot store', () => {
  let hub: HubHarness;
  let fixtures: HubFixtures;
  let org: OrgFixture;
  const ws = (id: string) => `/org-workspaces/${id}`;

  beforeAll(async () => {
    hub = await startHub({ HUB_INSTANCE_DOWN_AFTER_MS: '600000' });
    fixtures = new HubFixtures(hub);
    await fixtures.registerInstance('claims-instance');
    org = await fixtures.org();
  });

  afterAll(async () => {
    await fixtures?.quiesceRelay();
    await hub?.close();
  });

  it.each([
    ['a NUL in tenantKey', { tenantKey: 'a\u0000b' }, 'tenantKey'],
    ['a lone surrogate in name', { tenantKey: 'ok', name: 'x\ud800' }, 'name'],
    ['a NUL in a fields value', { tenantKey: 'ok', fields: { plan: 'p\u0000' } }, 'fields'],
    // Instances refuse claims nested deeper than 32 levels, and tokens longer than 8192 characters.
    ['fields nested deeper than instances accept', { tenantKey: 'ok', fields: nested(32) }, 'fields'],
    ['fields too large for a token instances accept', { tenantKey: 'ok', fields: { a: 'x'.repeat(10_000) } }, 'fields'],
  ])('refuses %s with 400 naming the field', async (_, body, field) => {
    const response = await fixtures.call('POST', `${ws(org.workspaceId)}/access-token`, org.admin.token, body);
    expect(response.status).toBe(400);
    const problem = await json(response);
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors.map((error: { field: string }) => error.field).join(' ')).toContain(field);
  });

  it('signs the deepest fields instances accept', async () => {
    const response = await fixtures.call('POST', `${ws(org.workspaceId)}/access-token`, org.admin.token, {
      tenantKey: 'deep',
      fields: nested(30),
    });
    expect(response.status).toBe(200);
    // A token response is never cached (RFC 6749 §5.1).
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('signs well-formed strings, astral characters included', async () => {
    const response = await fixtures.call('POST', `${ws(org.workspaceId)}/access-token`, org.admin.token, {
      tenantKey: 'emoji-🙂',
      name: 'Smile 🙂',
      fields: { plan: 'gold 🙂' },
    });
    expect(response.status).toBe(200);
  });

  it('issues no token longer-lived than instances accept (INSTANCE_MAX_TOKEN_LIFETIME_SECONDS default, 30 days)', async () => {
    const issue = (expiresIn: number) =>
      fixtures.call('POST', `${ws(org.workspaceId)}/access-token`, org.admin.token, { isAdmin: true, expiresIn });
    const longest = await issue(2_592_000);
    expect(longest.status).toBe(200);
    const { expiresAt } = await json(longest);
    expect(new Date(expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(2_592_000_000);
    const tooLong = await issue(2_592_001);
    expect(tooLong.status).toBe(400);
    expect((await json(tooLong)).errors.map((error: { field: string }) => error.field)).toContain('expiresIn');
  });
});

/** `{a: {a: … {}}}` with `levels` objects, the outermost included. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < levels; level++) value = { a: value };
  return value;
}
