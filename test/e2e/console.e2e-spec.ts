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
    browser = await launchChromium(profile);
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

  it('serves /docs (Swagger UI) under a CSP that lets the UI render and runs no injected inline script', async () => {
    for (const service of [stack.hub, ...Object.values(stack.instances)]) {
      const page = await browser.newPage();
      const violations: string[] = [];
      await page.exposeFunction('reportViolation', (directive: string) => violations.push(directive));
      // Browser code as strings, as elsewhere here: this file is type-checked without the DOM's types.
      await page.addInitScript(
        "document.addEventListener('securitypolicyviolation', (event) => window.reportViolation(event.violatedDirective))",
      );
      const answer = await page.goto(`${service.url}/docs`);
      const csp = answer?.headers()['content-security-policy'] ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe/);
      expect(answer?.headers()['x-content-type-options']).toBe('nosniff');
      // The UI renders the document under the policy: its operations are listed, nothing was refused.
      await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
      expect(violations).toEqual([]);
      // What an injection would add is refused: an inline script does not run.
      const ran = await page.evaluate(`(async () => {
        const script = document.createElement('script');
        script.textContent = 'window.injected = true';
        document.body.append(script);
        await new Promise((resolve) => setTimeout(resolve, 100));
        return window.injected === true;
      })()`);
      expect(ran).toBe(false);
      expect(violations).toContain('script-src-elem');
      await page.close();
    }
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

    // The instance as an app's backend would call it, with an admin token from the Hub.
    const adminIssued = await call(hubUrl, 'POST', `/org-workspaces/${workspaceId}/access-token`, stack.adminToken, {
      isAdmin: true,
    });
    expect(adminIssued.status).toBe(200);
    const instanceAdmin = adminIssued.body.token as string;
    const tenantId = self.body.id as string;
    const tenantUrl = page.url();

    // Prepaid balance: none yet; a refused top-up shows the instance's problem; a top-up shows the new balance.
    const balance = page.getByRole('region', { name: 'balance' });
    await balance.getByTestId('balance').getByText('Not prepaid').waitFor();
    const refusedTopUp = await call(workspace.apiUrl, 'POST', `/tenants/${tenantId}/balance/top-ups`, instanceAdmin, {
      credits: 0,
      reference: 'inv-1',
    });
    expect(refusedTopUp.status).toBe(400);
    await balance.getByLabel('Credits', { exact: true }).fill('0');
    await balance.getByLabel(/Reference/).fill('inv-1');
    await balance.getByRole('button', { name: 'Top up' }).click();
    const topUpProblem = balance.getByRole('alert');
    await topUpProblem.waitFor();
    expect(await topUpProblem.locator('.problem-title').textContent()).toBe(refusedTopUp.body.title);
    expect((await topUpProblem.locator('.problem-detail').textContent())?.trim()).toBe(refusedTopUp.body.detail);
    await shot(page, '04a-top-up-refused');
    await balance.getByLabel('Credits', { exact: true }).fill('250');
    await balance.getByRole('button', { name: 'Top up' }).click();
    await balance.getByRole('status').getByText('Added 250 credits (reference inv-1); balance 250.').waitFor();
    await balance.getByTestId('balance').getByText('250 credits left').waitFor();
    expect(await balance.getByRole('alert').count()).toBe(0);
    const read = await call(workspace.apiUrl, 'GET', `/tenants/${tenantId}/balance`, instanceAdmin);
    expect(read.body.balance).toBe(250);
    await shot(page, '04b-balance-topped-up');

    // API keys: the key is shown once, with a copy button; it works; after a reload it is nowhere on the page.
    await browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: hubUrl });
    const keys = page.getByRole('region', { name: 'api keys' });
    await keys.getByLabel('Key name').fill('ci');
    await keys.getByLabel('Role').selectOption('viewer');
    await keys.getByLabel('Expires (optional)').fill('2099-01-01T00:00');
    await keys.getByRole('button', { name: 'Create key' }).click();
    const createdKey = keys.getByTestId('created-key');
    await createdKey.waitFor();
    const key = (await createdKey.locator('code').textContent()) ?? '';
    expect(key).toMatch(new RegExp(`^sbk_${workspace.key}_`));
    await keys.getByTestId('api-keys').getByText('ci', { exact: true }).waitFor();
    await createdKey.getByRole('button', { name: 'Copy' }).click();
    await createdKey.getByRole('button', { name: 'Copied' }).waitFor();
    // A string: the tests' tsconfig has no DOM types.
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(key);
    const asKey = await fetch(`${workspace.apiUrl}/self`, { headers: { 'x-api-key': key } });
    expect(asKey.status).toBe(200);
    await shot(page, '04c-api-key-created');
    await page.reload();
    await keys.getByTestId('api-keys').getByText('ci', { exact: true }).waitFor();
    const keyRow = keys.getByTestId('api-keys').locator('tbody tr').first().locator('td');
    expect(await keyRow.nth(2).textContent()).toBe('viewer');
    expect(await keyRow.nth(4).textContent()).toContain('2099');
    expect(await page.getByTestId('created-key').count()).toBe(0);
    expect(await page.content()).not.toContain(key);
    await shot(page, '04d-api-key-after-reload');
    await keys.getByRole('button', { name: 'Revoke' }).click();
    await keys.getByTestId('api-keys').getByText('Nothing here yet.').waitFor();
    expect((await fetch(`${workspace.apiUrl}/self`, { headers: { 'x-api-key': key } })).status).toBe(401);
    // A key that would have expired already is refused by the instance, and shown as its problem.
    const past = { name: 'old', role: 'member', expiresAt: new Date('2000-01-01T00:00').toISOString() };
    const refusedKey = await call(workspace.apiUrl, 'POST', `/tenants/${tenantId}/api-keys`, instanceAdmin, past);
    expect(refusedKey.status).toBe(400);
    await keys.getByLabel('Key name').fill('old');
    await keys.getByLabel('Role').selectOption('member');
    await keys.getByLabel('Expires (optional)').fill('2000-01-01T00:00');
    await keys.getByRole('button', { name: 'Create key' }).click();
    const keyProblem = keys.getByRole('alert');
    await keyProblem.waitFor();
    expect(await keyProblem.locator('.problem-title').textContent()).toBe(refusedKey.body.title);
    expect((await keyProblem.locator('.problem-detail').textContent())?.trim()).toBe(refusedKey.body.detail);
    expect(await page.getByTestId('created-key').count()).toBe(0);
    expect(await keys.getByTestId('api-keys').getByText('Nothing here yet.').count()).toBe(1);
    await shot(page, '04e-api-key-refused');

    // Elements: an action with two revisions, and 51 flows (two pages); revisions and a rollback.
    const action = (method: string, path: string, body?: unknown) =>
      call(workspace.apiUrl, method, path, instanceAdmin, body);
    expect(
      (await action('POST', '/actions', { key: 'send-invoice', name: 'Send invoice', definition: { version: 1 } }))
        .status,
    ).toBe(201);
    expect((await action('PUT', '/actions/send-invoice', { definition: { version: 2 } })).status).toBe(200);
    const flows = await Promise.all(
      Array.from({ length: 51 }, (_, i) =>
        action('POST', '/flows', { key: `flow-${String(i).padStart(2, '0')}`, name: `Flow ${i}`, definition: {} }),
      ),
    );
    expect(flows.map((created) => created.status)).toEqual(flows.map(() => 201));
    await page.getByRole('link', { name: 'Acme Production' }).click();
    await page.getByRole('link', { name: 'Elements and their revisions' }).click();
    const elements = page.getByTestId('elements');
    await elements.getByRole('link', { name: 'send-invoice' }).waitFor();
    // Every element type this instance serves is a tab, and only those: connectors where it serves them
    // (API.md, "Elements at every level"), not before.
    const servesConnectors = (await action('GET', '/connectors')).status === 200;
    const tabs = page.getByRole('navigation', { name: 'element types' });
    const wanted = ['Actions', 'Flows', 'Field mappings', 'Data sources', ...(servesConnectors ? ['Connectors'] : [])];
    if (servesConnectors) await tabs.getByRole('link', { name: 'Connectors' }).waitFor();
    else await page.waitForLoadState('networkidle');
    expect(await tabs.locator('a, strong').allTextContents()).toEqual(wanted);
    expect(await elements.locator('tbody tr').first().locator('td').allTextContents()).toEqual(
      expect.arrayContaining(['send-invoice', 'Send invoice', '2']),
    );
    await page.getByRole('navigation', { name: 'element types' }).getByRole('link', { name: 'Flows' }).click();
    // Created in parallel, so in no particular order: 50 on the first page, the 51st on the second, none twice.
    await elements
      .locator('tbody tr')
      .nth(49)
      .getByRole('link', { name: /^flow-/ })
      .waitFor();
    expect(await elements.locator('tbody tr').count()).toBe(50);
    const firstPage = await elements.locator('tbody tr td:first-child').allTextContents();
    await page.getByRole('button', { name: 'Next' }).click();
    await elements.locator('tbody tr').nth(1).waitFor({ state: 'detached' });
    const secondPage = await elements.locator('tbody tr td:first-child').allTextContents();
    expect(secondPage).toHaveLength(1);
    expect(new Set([...firstPage, ...secondPage]).size).toBe(51);
    expect([...firstPage, ...secondPage].every((key) => /^flow-\d\d$/.test(key))).toBe(true);
    await shot(page, '04f-elements-paged');
    await page.getByRole('navigation', { name: 'element types' }).getByRole('link', { name: 'Actions' }).click();
    await elements.getByRole('link', { name: 'send-invoice' }).click();
    await page.getByTestId('element-revision').getByText('2').waitFor();
    const revisions = page.getByTestId('revisions');
    await revisions.locator('tbody tr').nth(1).waitFor();
    expect(await revisions.locator('tbody tr td:first-child').allTextContents()).toEqual(['2', '1']);
    expect(await revisions.getByRole('button', { name: 'Roll back to 2' }).count()).toBe(0);
    await revisions.getByRole('button', { name: 'Roll back to 1' }).click();
    await page.getByTestId('element-revision').getByText('3').waitFor();
    await revisions.locator('tbody tr').nth(2).waitFor();
    expect(await revisions.locator('tbody tr td:first-child').allTextContents()).toEqual(['3', '2', '1']);
    expect((await action('GET', '/actions/send-invoice')).body.definition).toEqual({ version: 1 });
    // Staged rollout (API.md, "Elements at every level"), where the instance has it: the deployment, and a
    // draft shown beside the published revision and published from the console.
    const staged = 'publishedRevision' in (await action('GET', '/actions/send-invoice')).body;
    if (staged) await page.getByTestId('deployment').getByText('Published 3 of 3; 1 tenant on 3').waitFor();
    else expect(await page.getByTestId('deployment').count()).toBe(0);
    if (staged) {
      const draft = await action('PUT', '/actions/send-invoice', { definition: { version: 4 }, publish: false });
      expect(draft.status).toBe(200);
      await page.reload();
      await page.getByTestId('element-revision').getByText('3 (draft 4)').waitFor();
      expect(await revisions.getByRole('button', { name: 'Roll back to 3' }).count()).toBe(0);
      await revisions.getByRole('button', { name: 'Publish 4' }).click();
      await page.getByTestId('element-revision').getByText('4', { exact: true }).waitFor();
      await page.getByTestId('deployment').getByText('Published 4 of 4; 1 tenant on 4').waitFor();
    }
    await shot(page, '04g-element-rolled-back');
    await page.goto(tenantUrl);
    await page.getByRole('heading', { name: 'Customer One' }).waitFor();

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
    expect(await memberPage.getByRole('link', { name: 'Elements and their revisions' }).count()).toBe(0);
    await shot(memberPage, '07-member-workspace');
    // Even at a tenant's or an element's address, a member is offered nothing an admin token would do.
    await memberPage.goto(tenantUrl);
    await memberPage.getByText('only owners and admins of the org are given').waitFor();
    for (const name of ['Top up', 'Create key', 'Revoke', 'Copy']) {
      expect(await memberPage.getByRole('button', { name }).count()).toBe(0);
    }
    await memberPage.goto(`${hubUrl}/console/workspaces/${workspaceId}/elements/actions/send-invoice`);
    await memberPage.getByText('only owners and admins of the org are given').waitFor();
    expect(await memberPage.getByRole('button', { name: /Roll back/ }).count()).toBe(0);
    await shot(memberPage, '08-member-tenant-address');
    await memberPage.close();
    await page.close();
  }, 180_000);
  it('a platform admin manages the universe: creates an element, sees revision 2 after an update, archives and restores; an org member is not shown it', async () => {
    const page = await signedIn(stack.adminToken);
    page.on('dialog', (dialog) => void dialog.accept());
    await page.getByRole('link', { name: 'Universe', exact: true }).click();
    await page.getByRole('heading', { name: 'Universe' }).waitFor();
    const tabs = page.getByRole('navigation', { name: 'universe types' });
    expect(await tabs.locator('a, strong').allTextContents()).toEqual([
      'Connectors',
      'External apps',
      'Actions',
      'Flows',
      'Field mappings',
      'Data sources',
    ]);
    await page.getByTestId('universe-elements').getByText('Nothing here yet.').waitFor();

    const create = page.getByRole('region', { name: 'create universe element' });
    await create.getByLabel('Key', { exact: true }).fill('hubspot');
    await create.getByLabel('Name', { exact: true }).fill('HubSpot');
    // Not JSON: refused in the browser, shown as a problem; nothing is sent.
    await create.getByLabel('Definition (JSON)').fill('{"auth": ');
    await create.getByRole('button', { name: 'Create element' }).click();
    await create.getByRole('alert').getByText('The definition is not a JSON object').waitFor();
    expect((await call(hubUrl, 'GET', '/universe/connectors/hubspot', stack.adminToken)).status).toBe(404);
    // A key the Hub refuses: its problem's title and detail, as the Hub answers them.
    const refused = await call(hubUrl, 'POST', '/universe/connectors', stack.adminToken, {
      key: '-bad',
      name: 'Bad',
      definition: {},
    });
    expect(refused.status).toBe(400);
    await create.getByLabel('Key', { exact: true }).fill('-bad');
    await create.getByLabel('Definition (JSON)').fill('{}');
    await create.getByRole('button', { name: 'Create element' }).click();
    const problem = create.getByRole('alert');
    await problem.locator('.problem-title').getByText(refused.body.title).waitFor();
    expect((await problem.locator('.problem-detail').textContent())?.trim()).toBe(refused.body.detail);
    await shot(page, '09-universe-refused');

    await create.getByLabel('Key', { exact: true }).fill('hubspot');
    await create.getByLabel('Definition (JSON)').fill('{"auth": {"type": "oauth2"}}');
    await create.getByRole('button', { name: 'Create element' }).click();
    await page.getByRole('heading', { name: 'HubSpot' }).waitFor();
    await page.getByTestId('universe-revision').getByText('1', { exact: true }).waitFor();
    const revisions = page.getByTestId('universe-revisions');
    await revisions.locator('tbody tr td:first-child').getByText('1').waitFor();

    const update = page.getByRole('region', { name: 'new revision' });
    expect(JSON.parse(await update.getByLabel('Definition (JSON)').inputValue())).toEqual({ auth: { type: 'oauth2' } });
    await update.getByLabel('Definition (JSON)').fill('{"auth": {"type": "apiKey"}}');
    await update.getByRole('button', { name: 'Save revision' }).click();
    await page.getByTestId('universe-revision').getByText('2', { exact: true }).waitFor();
    await revisions.locator('tbody tr').nth(1).waitFor();
    expect(await revisions.locator('tbody tr td:first-child').allTextContents()).toEqual(['1', '2']);
    expect(JSON.parse((await page.getByTestId('universe-definition').textContent()) ?? '')).toEqual({
      auth: { type: 'apiKey' },
    });
    const stored = await call(hubUrl, 'GET', '/universe/connectors/hubspot', stack.adminToken);
    expect(stored.body).toMatchObject({ revision: 2, definition: { auth: { type: 'apiKey' } }, archivedAt: null });
    await shot(page, '10-universe-revision-2');

    await page.getByRole('button', { name: 'Archive' }).click();
    await page.getByRole('button', { name: 'Restore' }).waitFor();
    expect((await call(hubUrl, 'GET', '/universe/connectors/hubspot', stack.adminToken)).body.archivedAt).toEqual(
      expect.any(String),
    );
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('button', { name: 'Archive' }).waitFor();
    const restored = await call(hubUrl, 'GET', '/universe/connectors/hubspot', stack.adminToken);
    expect(restored.body).toMatchObject({ revision: 2, archivedAt: null });
    await page.getByRole('link', { name: /Universe › Connectors/ }).click();
    await page.getByTestId('universe-elements').getByRole('link', { name: 'hubspot' }).waitFor();

    // The instance applies every change; the Instances page shows the version it has.
    await page.getByRole('link', { name: 'Instances' }).click();
    const instances = page.getByTestId('instances');
    await instances.locator('th', { hasText: 'Universe' }).waitFor();
    const column = (await instances.locator('th').allTextContents()).indexOf('Universe');
    await instances
      .locator('tbody tr')
      .first()
      .locator('td')
      .nth(column)
      .getByText(String(restored.body.universeVersion), { exact: true })
      .waitFor({ timeout: 20_000 });
    await shot(page, '11-instances-universe-version');
    await page.close();

    // An org member (no platform admin): no Universe link, and nothing to do at its address.
    const user = await call(hubUrl, 'POST', '/users', stack.adminToken, {
      email: 'universe-member@example.test',
      name: 'U',
    });
    expect(user.status).toBe(201);
    const org = await call(hubUrl, 'POST', '/orgs', stack.adminToken, { name: 'Universe readers' });
    expect(org.status).toBe(201);
    const added = await call(hubUrl, 'POST', `/orgs/${org.body.id}/members`, stack.adminToken, {
      userId: user.body.id,
      role: 'member',
    });
    expect(added.status).toBe(201);
    const memberPage = await signedIn(user.body.token);
    await memberPage.getByRole('link', { name: 'Universe readers' }).waitFor();
    expect(await memberPage.getByRole('link', { name: 'Universe', exact: true }).count()).toBe(0);
    await memberPage.goto(`${hubUrl}/console/universe/connectors/hubspot`);
    await memberPage.getByText('managed by platform admins only').waitFor();
    await memberPage.goto(`${hubUrl}/console/universe`);
    await memberPage.getByText('managed by platform admins only').waitFor();
    for (const name of ['Create element', 'Save revision', 'Archive', 'Restore']) {
      expect(await memberPage.getByRole('button', { name }).count()).toBe(0);
    }
    expect(await memberPage.getByTestId('universe-elements').count()).toBe(0);
    await shot(memberPage, '12-member-no-universe');
    await memberPage.close();
  }, 120_000);
});
