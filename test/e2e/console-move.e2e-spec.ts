import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { waitFor } from '@switchboard/testing';
import type { BrowserContext, Page } from 'playwright-core';

import { launchChromium } from './chromium.js';
import { call, type Stack, startStack } from './stack.js';

/** Screenshots of each step, kept as test artifacts (git-ignored). */
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'console');

/**
 * Moving a workspace and draining an instance from the web console, in Chromium against a Hub and two
 * instances: a platform admin moves a workspace to done and drains an instance; an owner's refused move shows
 * the problem; org admins and members are offered neither Move nor Drain.
 */
describe('web console in Chromium: move and drain', () => {
  let stack: Stack;
  let browser: BrowserContext;
  let profile: string;
  let hubUrl: string;
  let orgId: string;
  let workspace: { id: string; name: string };

  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const hub = (method: string, path: string, body?: unknown) => call(hubUrl, method, path, stack.adminToken, body);
  const placed = async (id: string) => (await hub('GET', `/org-workspaces/${id}`)).body.instanceId as string;

  async function signedIn(token: string): Promise<Page> {
    const page = await browser.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${hubUrl}/console`);
    await page.getByLabel('Personal access token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('user').waitFor();
    return page;
  }

  /** A user who is `role` in the org, with their token. */
  async function member(email: string, role: 'owner' | 'admin' | 'member'): Promise<string> {
    const user = await hub('POST', '/users', { email, name: email });
    expect(user.status).toBe(201);
    expect((await hub('POST', `/orgs/${orgId}/members`, { userId: user.body.id, role })).status).toBe(201);
    return user.body.token as string;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'sb-console-move-chromium-'));
    stack = await startStack({ instanceIds: ['instance-a', 'instance-b'] });
    hubUrl = stack.hub.url;
    orgId = (await hub('POST', '/orgs', { name: 'Movers' })).body.id;
    workspace = await waitFor(
      async () => {
        const created = await hub('POST', '/org-workspaces', { orgId, name: 'Moving', instanceId: 'instance-a' });
        return created.status === 201 ? created.body : undefined;
      },
      { what: 'both instances registered', timeoutMs: 20_000 },
    );
    await waitFor(
      async () => {
        const instances = await hub('GET', '/instances');
        return (instances.body.items as { status: string }[]).filter((i) => i.status === 'up').length === 2
          ? true
          : undefined;
      },
      { what: 'both instances up', timeoutMs: 20_000 },
    );
    browser = await launchChromium(profile);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('a platform admin moves a workspace from its page to done, then drains the instance it went to', async () => {
    const page = await signedIn(stack.adminToken);
    await page.goto(`${hubUrl}/console/workspaces/${workspace.id}`);
    const move = page.getByRole('region', { name: 'move' });
    const target = move.getByLabel('Target instance');
    // Every instance but the one it is on.
    await target.locator('option').first().waitFor({ state: 'attached' });
    expect(await target.locator('option').count()).toBe(1);
    expect(await target.inputValue()).toBe('instance-b');
    await target.selectOption('instance-b');
    await move.getByRole('button', { name: 'Move', exact: true }).click();
    await move.getByTestId('move-state').getByText('done', { exact: true }).waitFor({ timeout: 30_000 });
    const moved = (await hub('GET', `/org-workspaces/${workspace.id}/move`)).body;
    expect(moved).toMatchObject({ fromInstanceId: 'instance-a', toInstanceId: 'instance-b', state: 'done' });
    expect(await move.getByTestId('move-rows').textContent()).toBe(String(moved.rowsCopied));
    // The page re-reads the placement once the move ends.
    await page.locator('.facts dd', { hasText: 'instance-b' }).waitFor();
    expect(await placed(workspace.id)).toBe('instance-b');
    expect(await move.getByRole('button', { name: 'Abort move' }).count()).toBe(0);
    await shot(page, '20-move-done');

    await page.getByRole('link', { name: 'Instances' }).click();
    const row = page.getByTestId('instances').locator('tbody tr', { hasText: 'instance-b' });
    await row.getByRole('button', { name: 'Drain' }).click();
    await page.getByRole('status').getByText('Draining instance-b: 1 move started.').waitFor();
    await page.getByTestId('drain-instance-b').getByText('drained, 0 left').waitFor({ timeout: 30_000 });
    expect(await placed(workspace.id)).toBe('instance-a');
    await shot(page, '21-instance-drained');

    // Nowhere to drain instance-a to (instance-b takes no new workspaces now): the Hub's problem, as it answers it.
    const refused = await hub('POST', '/instances/instance-a/drain');
    expect(refused.status).toBe(409);
    const rowA = page.getByTestId('instances').locator('tbody tr', { hasText: 'instance-a' });
    await rowA.getByRole('button', { name: 'Drain' }).click();
    const problem = rowA.getByRole('alert');
    await problem.locator('.problem-title').getByText(refused.body.title).waitFor();
    expect((await problem.locator('.problem-detail').textContent())?.trim()).toBe(refused.body.detail);
    await shot(page, '22-drain-refused');
    // Let instance-a take workspaces again for the next test (a drain stops that).
    expect((await hub('PATCH', '/instances/instance-a', { acceptsNewWorkspaces: true })).status).toBe(200);
    await page.close();
  }, 120_000);

  it("an owner's refused move shows the problem; an org admin and a member are offered neither Move nor Drain", async () => {
    const ownerPage = await signedIn(await member('owner@example.test', 'owner'));
    await ownerPage.goto(`${hubUrl}/console/workspaces/${workspace.id}`);
    const move = ownerPage.getByRole('region', { name: 'move' });
    // An owner may not list instances: it types the id. The workspace is on instance-a: a conflict.
    const refused = await call(hubUrl, 'POST', `/org-workspaces/${workspace.id}/move`, stack.adminToken, {
      instanceId: 'instance-a',
    });
    expect(refused.status).toBe(409);
    await move.getByLabel('Target instance').fill('instance-a');
    await move.getByRole('button', { name: 'Move', exact: true }).click();
    const problem = move.getByRole('alert');
    await problem.locator('.problem-title').getByText(refused.body.title).waitFor();
    expect((await problem.locator('.problem-detail').textContent())?.trim()).toBe(refused.body.detail);
    // The latest move (the drain's) is shown to the owner.
    await move.getByTestId('move-state').getByText('done', { exact: true }).waitFor();
    await shot(ownerPage, '23-owner-move-refused');
    await ownerPage.close();

    for (const [email, role] of [
      ['admin@org.example.test', 'admin'],
      ['member@org.example.test', 'member'],
    ] as const) {
      const page = await signedIn(await member(email, role));
      await page.goto(`${hubUrl}/console/workspaces/${workspace.id}`);
      await page.getByTestId('sync-state').waitFor();
      // The org (so the caller's role) is read: what the page offers is decided.
      await page.getByRole('link', { name: 'Movers' }).waitFor();
      expect(await page.getByRole('region', { name: 'move' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Move', exact: true }).count()).toBe(0);
      expect(await page.getByRole('link', { name: 'Instances' }).count()).toBe(0);
      // At the Instances page's address: the Hub's refusal, and no Drain.
      await page.goto(`${hubUrl}/console/instances`);
      await page.getByRole('alert').getByText('Forbidden').waitFor();
      expect(await page.getByRole('button', { name: 'Drain' }).count()).toBe(0);
      await shot(page, `24-${role}-no-move-no-drain`);
      await page.close();
    }
  }, 90_000);
});
