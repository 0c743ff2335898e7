import { HubFixtures, json, type TestUser } from './hub-fixtures.js';
import { type HubHarness, startHub } from './hub-harness.js';

/** API.md, "Trust boundaries → Lists": every Hub list honours limit and cursor, and refuses forged cursors. */
describe('Hub lists page with limit and cursor', () => {
  let hub: HubHarness;
  let fixtures: HubFixtures;
  let owner: TestUser;
  let orgId: string;

  beforeAll(async () => {
    hub = await startHub({ HUB_INSTANCE_DOWN_AFTER_MS: '600000' });
    fixtures = new HubFixtures(hub);
    owner = await fixtures.user('pager');
    for (let i = 0; i < 5; i++) await fixtures.ok('POST', '/orgs', owner.token, { name: `Paged ${i}` });
    orgId = (await fixtures.ok('GET', '/orgs?limit=1', owner.token)).items[0].id;
    for (let i = 0; i < 4; i++) {
      const member = await fixtures.user(`member${i}`);
      await fixtures.ok('POST', `/orgs/${orgId}/members`, owner.token, { userId: member.id, role: 'member' });
    }
    for (let i = 0; i < 4; i++) await fixtures.ok('POST', '/users/me/tokens', owner.token, { name: `t${i}` });
    for (const id of ['pg-c', 'pg-a', 'pg-b', 'pg-d']) await fixtures.registerInstance(id);
  });

  afterAll(async () => {
    await hub?.close();
  });

  const lists = () => [
    { path: '/orgs', token: owner.token, total: 5, key: 'id' },
    { path: `/orgs/${orgId}/members`, token: owner.token, total: 5, key: 'userId' },
    { path: '/users/me/tokens', token: owner.token, total: 5, key: 'id' },
    { path: '/instances', token: hub.adminToken, total: 4, key: 'id' },
  ];

  /** Follows cursors from `start` with pages of `limit`, returning every page's keys. */
  async function walk(path: string, token: string, limit: number, key: string, start: string): Promise<string[][]> {
    const pages: string[][] = [];
    let cursor: string | null = start;
    while (cursor !== null && pages.length < 20) {
      const separator = path.includes('?') ? '&' : '?';
      const page = await fixtures.ok('GET', `${path}${separator}limit=${limit}&cursor=${cursor}`, token);
      expect(page.items.length).toBeLessThanOrEqual(limit);
      pages.push(page.items.map((item: Record<string, string>) => item[key]));
      cursor = page.cursor;
    }
    return pages;
  }

  it.each([0, 1, 2, 3])('walks list %# in pages, each item once, in a stable order', async (index) => {
    {
      const { path, token, total, key } = lists()[index]!;
      const whole = await fixtures.ok('GET', path, token);
      expect(whole.cursor).toBeNull();
      expect(whole.items).toHaveLength(total);
      const everything = whole.items.map((item: Record<string, string>) => item[key]);
      for (const start of ['0', '']) {
        const pages = await walk(path, token, 2, key, start);
        expect(pages.map((page) => page.length)).toEqual(total === 5 ? [2, 2, 1] : [2, 2]);
        expect(pages.flat()).toEqual(everything);
      }
      expect((await walk(path, token, 1000, key, '0')).flat()).toEqual(everything);
    }
  });

  it.each([
    ['not base64 JSON', 'garbage!'],
    ['JSON that is not a position', Buffer.from('{"at":1}').toString('base64url')],
    ['a position with a bad timestamp', Buffer.from('["yesterday","x"]').toString('base64url')],
    [
      'a position with SQL in the id',
      Buffer.from(JSON.stringify(['2026-01-01T00:00:00Z', "x') OR 1=1 --"])).toString('base64url'),
    ],
    ['a very long cursor', 'A'.repeat(600)],
  ])('refuses %s as a cursor on every list with 400 naming cursor', async (_, cursor) => {
    for (const { path, token } of lists()) {
      const response = await fixtures.call('GET', `${path}?cursor=${encodeURIComponent(cursor)}`, token);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = await json(response);
      expect(problem.code).toBe('validation_failed');
      expect(problem.errors.map((error: { field: string }) => error.field)).toContain('cursor');
    }
  });

  it.each(['0', '1001', 'ten', '-1', '1.5'])('refuses limit=%s on every list with 400 naming limit', async (limit) => {
    for (const { path, token } of lists()) {
      const response = await fixtures.call('GET', `${path}?limit=${limit}`, token);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      const problem = await json(response);
      expect(problem.errors.map((error: { field: string }) => error.field)).toContain('limit');
    }
  });

  it("a cursor from one user's list shows another user only their own orgs", async () => {
    const first = await fixtures.ok('GET', '/orgs?limit=1', owner.token);
    const stranger = await fixtures.user('stranger');
    await fixtures.ok('POST', '/orgs', stranger.token, { name: 'Stranger org' });
    const page = await fixtures.ok('GET', `/orgs?cursor=${first.cursor}`, stranger.token);
    for (const org of page.items) expect(org.name).toBe('Stranger org');
    const members = await fixtures.call('GET', `/orgs/${orgId}/members?limit=1`, stranger.token);
    expect(members.status).toBe(404);
  });
});
