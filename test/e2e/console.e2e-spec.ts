import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { waitFor } from '@switchboard/testing';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

import { call, type Stack, startStack } from './stack.js';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/** Screenshots of each step, kept as test artifacts (git-ignored). */
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'console');

/**
 * The web console in a real browser against the real stack (the Hub serving /console, an instance):
 * what an operator does, as issue 15 lists it; and what a member is not offered.
 */
describe('web console in Chromium', () => {
  let stack: Stack;
  /** One fresh profile (--user-data-dir); each tab has its own sessionStorage, so its own sign-in. */
  let browser: BrowserContext;
  let profile: string;
  let hubUrl: string;

  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  async function signedIn(token: string): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${hubUrl}/console`);
    await page.getByLabel('Personal access token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('user').waitFor();
    return page;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'sb-console-chromium-'));
    stack = await startStack({ instanceIds: ['instance-a'] });
    hubUrl = stack.hub.url;
    await waitFor(
      async () => {
        const instances = await call(hubUrl, 'GET', '/instances', stack.adminToken);
        return instances.status === 200 &&
          (instances.body.items as { status: string }[]).some((instance) => instance.status === 'up')
          ? true
          : undefined;
      },
      { what: 'an instance up', timeoutMs: 20_000 },
    );
    // Playwright passes the fresh profile as --user-data-dir itself.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('serves the console: index.html for client routes, no-cache, a CSP without inline scripts; assets immutable', async () => {
    const page = await fetch(`${hubUrl}/console/orgs/anything`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await page.text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${hubUrl}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toMatch(/max-age=31536000.*immutable/);
    const missing = await fetch(`${hubUrl}/console/assets/nope.js`);
    expect(missing.status).toBe(404);
  });

  it('an owner signs in, creates an org and a workspace, sees it synced, its tenants by schema, a tenant, rotates, reads the audit log; a member sees no owner actions', async () => {
    const page = await signedIn(stack.adminToken);
    page.on('dialog', (dialog) => void dialog.accept());

    // A refused token shows the problem's title and detail.
    const stranger = await browser.newPage();
    await stranger.goto(`${hubUrl}/console`);
    // The token is in sessionStorage: a new tab is a new session, so it signs in again.
    await stranger.getByLabel('Personal access token').fill('sbp_not_a_token');
    await stranger.getByRole('button', { name: 'Sign in' }).click();
    await stranger.getByRole('alert').getByText('Unauthorized').waitFor();
    expect(stranger.url()).not.toContain('sbp_');
    await shot(stranger, '00-refused-token');
    await stranger.close();

    await page.getByLabel('Organization name').fill('Acme');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByRole('heading', { name: 'Acme', exact: true }).waitFor();
    const orgId = page.url().split('/').pop() ?? '';

    await page.getByLabel('Workspace name').fill('Acme Production');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    await page.getByText('shown only now').waitFor();
    await page.getByTestId('sync-Acme Production').getByText('synced').waitFor({ timeout: 20_000 });
    await shot(page, '01-org-workspace-synced');

    await page.getByRole('link', { name: 'Acme Production' }).click();
    await page.getByTestId('sync-state').getByText('synced').waitFor();
    const workspaceId = page.url().split('/').pop() ?? '';
    const workspace = (await call(hubUrl, 'GET', `/org-workspaces/${workspaceId}`, stack.adminToken)).body;

    // A tenant with three fields, and usage today, through the instance as an app would.
    const issued = await call(hubUrl, 'POST', `/org-workspaces/${workspaceId}/access-token`, stack.adminToken, {
      tenantKey: 'cust-1',
      name: 'Customer One',
      fields: { plan: 'gold', seats: 5, region: 'eu' },
    });
    expect(issued.status).toBe(200);
    const self = await call(workspace.apiUrl, 'GET', '/self', issued.body.token);
    expect(self.status).toBe(200);
    expect((await call(workspace.apiUrl, 'POST', '/usage', issued.body.token, { credits: 7 })).status).toBe(201);

    // The console's origin is not allowed yet: it says so, and an owner may allow it.
    await page.getByText("does not allow the console's origin").waitFor();
    await shot(page, '02-cors-not-allowed');
    await page.getByRole('button', { name: 'Allow this console' }).click();
    await page.getByLabel('Tenant field schema').waitFor({ timeout: 20_000 });

    await page
      .getByLabel('Tenant field schema')
      .fill(JSON.stringify({ type: 'object', properties: { plan: { type: 'string' }, seats: { type: 'integer' } } }));
    await page.getByRole('button', { name: 'Save schema' }).click();
    const tenants = page.getByTestId('tenants');
    await tenants.locator('th', { hasText: 'seats' }).waitFor();
    expect(await tenants.locator('th').allTextContents()).toEqual(['Name', 'Internal ID', 'plan', 'seats']);
    await tenants.getByText('Customer One').waitFor();
    expect(await tenants.locator('tbody tr').first().locator('td').allTextContents()).toEqual([
      'Customer One',
      'cust-1',
      'gold',
      '5',
    ]);
    await shot(page, '03-tenants-by-schema');

    await tenants.getByRole('link', { name: 'Customer One' }).click();
    await page.getByRole('heading', { name: 'Customer One' }).waitFor();
    await page.getByTestId('usage-summary').getByText('7 credits used').waitFor();
    const bars = page.locator('svg.usage-chart rect.bar');
    expect(await bars.count()).toBe(30);
    expect(await bars.last().getAttribute('data-credits')).toBe('7');
    await shot(page, '04-tenant-usage');

    await page.getByRole('link', { name: 'Acme Production' }).click();
    await page.getByLabel(/Grace period/).fill('60');
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByText('The new secret, shown only now').waitFor();
    await shot(page, '05-rotated');

    await page.getByRole('link', { name: 'Acme', exact: true }).first().click();
    const audit = page.getByTestId('audit-log');
    await audit.getByText('org_workspace.secret_rotated').waitFor();
    await audit.getByText('org_workspace.created').waitFor();
    await shot(page, '06-audit-log');

    // A member of the org: sees the workspaces, not the owner's actions.
    const member = await call(hubUrl, 'POST', '/users', stack.adminToken, {
      email: 'member@example.test',
      name: 'Member',
    });
    expect(member.status).toBe(201);
    const added = await call(hubUrl, 'POST', `/orgs/${orgId}/members`, stack.adminToken, {
      userId: member.body.id,
      role: 'member',
    });
    expect(added.status).toBe(201);
    const memberPage = await signedIn(member.body.token);
    await memberPage.getByRole('link', { name: 'Acme', exact: true }).click();
    await memberPage.getByTestId('role').getByText('member').waitFor();
    await memberPage.getByTestId('sync-Acme Production').waitFor();
    expect(await memberPage.getByRole('button', { name: 'Create workspace' }).count()).toBe(0);
    expect(await memberPage.getByTestId('members').count()).toBe(0);
    expect(await memberPage.getByTestId('audit-log').count()).toBe(0);
    await memberPage.getByRole('link', { name: 'Acme Production' }).click();
    await memberPage.getByTestId('sync-state').waitFor();
    for (const name of ['Archive', 'Restore', 'Rotate secret', 'Allow this console', 'Save schema']) {
      expect(await memberPage.getByRole('button', { name }).count()).toBe(0);
    }
    expect(await memberPage.getByRole('link', { name: 'Instances' }).count()).toBe(0);
    await shot(memberPage, '07-member-workspace');
    await memberPage.close();
    await page.close();
  }, 120_000);
});
