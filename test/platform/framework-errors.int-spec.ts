import { type HubHarness, startHub } from '../../apps/hub/test/hub-harness.js';

/**
 * Requests the router refuses before Nest sees them (a malformed URL, an
 * over-long path parameter) are problems like every other error, never plain
 * Fastify JSON or a 500.
 */
describe('errors raised by the HTTP framework itself', () => {
  let hub: HubHarness;

  beforeAll(async () => {
    hub = await startHub();
  });

  afterAll(async () => {
    await hub?.close();
  });

  const expectProblem = async (response: Response, status: number) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status, code: expect.any(String), detail: expect.any(String) });
  };

  it('a long but plausible path parameter reaches validation (400)', async () => {
    await expectProblem(await hub.request('GET', `/org-workspaces/${'a'.repeat(300)}`, { token: hub.adminToken }), 400);
  });

  it('an over-long path parameter is a 414 problem', async () => {
    await expectProblem(
      await hub.request('GET', `/org-workspaces/${'a'.repeat(2000)}`, { token: hub.adminToken }),
      414,
    );
  });

  it('a malformed percent-encoding is a 400 problem', async () => {
    await expectProblem(await hub.request('GET', '/org-workspaces/%E0%A4%A', { token: hub.adminToken }), 400);
  });
});
