import { withClient } from '@switchboard/persistence';

import type { HubHarness } from './hub-harness.js';

export interface TestUser {
  id: string;
  email: string;
  token: string;
}

export interface OrgFixture {
  orgId: string;
  workspaceId: string;
  owner: TestUser;
  admin: TestUser;
  member: TestUser;
}

/** The JSON body of a Hub response, untyped: tests look at what came back. */

export const json = async (response: Response): Promise<any> => response.json();

/** The schema level of the fixtures' instances (any migration name would do: they are compared, not read). */
export const FIXTURE_SCHEMA_LEVEL = 'FixtureLevel1700000000000';

let counter = 0;
const unique = (label: string) => `${label}-${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/** Helpers over one Hub: users, orgs with a member of each role, and a registered instance. */
export class HubFixtures {
  constructor(readonly hub: HubHarness) {}

  async call(method: string, path: string, token?: string, body?: unknown, headers?: Record<string, string>) {
    return this.hub.request(method, path, { token, body, headers });
  }

  async ok(method: string, path: string, token: string, body?: unknown): Promise<any> {
    const response = await this.call(method, path, token, body);
    if (response.status >= 300) {
      throw new Error(`${method} ${path} → ${response.status} ${await response.text()}`);
    }
    return response.status === 204 ? undefined : json(response);
  }

  async user(label = 'user', isPlatformAdmin = false): Promise<TestUser> {
    const email = `${unique(label)}@example.test`;
    const created = await this.ok('POST', '/users', this.hub.adminToken, { email, name: label, isPlatformAdmin });
    return { id: created.id, email, token: created.token };
  }

  /**
   * An instance row the Hub places workspaces on (no instance process is needed for the Hub's own routes), at
   * the schema level every fixture instance reports (FIXTURE_SCHEMA_LEVEL), so workspaces may move among them.
   */
  async registerInstance(id: string, lastSeen = 'now()'): Promise<void> {
    await withClient(this.hub.database.adminUrl, (client) =>
      client.query(
        `INSERT INTO instances (id, name, api_url, schema_level, last_seen_at)
         VALUES ($1, $1, 'http://127.0.0.1:9', $2, ${lastSeen})
         ON CONFLICT (id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at`,
        [id, FIXTURE_SCHEMA_LEVEL],
      ),
    );
  }

  /** A fresh org with an owner, an admin and a member, and one workspace in it. */
  async org(people?: Pick<OrgFixture, 'owner' | 'admin' | 'member'>): Promise<OrgFixture> {
    const owner = people?.owner ?? (await this.user('owner'));
    const admin = people?.admin ?? (await this.user('admin'));
    const member = people?.member ?? (await this.user('member'));
    const org = await this.ok('POST', '/orgs', owner.token, { name: unique('org') });
    await this.ok('POST', `/orgs/${org.id}/members`, owner.token, { userId: admin.id, role: 'admin' });
    await this.ok('POST', `/orgs/${org.id}/members`, owner.token, { userId: member.id, role: 'member' });
    const workspace = await this.ok('POST', '/org-workspaces', owner.token, { orgId: org.id, name: 'Workspace' });
    return { orgId: org.id, workspaceId: workspace.id, owner, admin, member };
  }

  /**
   * Parks every undelivered outbox row and lets in-flight deliveries finish, so
   * that closing the Hub does not cut a relay query short. (The relay does not
   * yet await its deliveries on shutdown: a delivery reading the workspace as
   * the pool closes rejects unhandled.) For suites whose workspaces live on
   * instances that never answer.
   */
  async quiesceRelay(): Promise<void> {
    await this.sql("UPDATE routing_outbox SET next_attempt_at = 'infinity' WHERE delivered_at IS NULL");
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  /** Runs SQL as the database superuser: for test setup only (e.g. to age a token). */
  async sql(text: string, values: unknown[] = []): Promise<void> {
    await withClient(this.hub.database.adminUrl, (client) => client.query(text, values));
  }
}
