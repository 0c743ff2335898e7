import { useEffect, useMemo, useState } from 'preact/hooks';

import { type Page, type ProblemError, seg } from '../core/api';
import { InstanceClient } from '../core/instance';
import { toProblemError, usePaged } from '../core/paging';
import type { Session } from '../core/session';
import { Link, PagedTable, ProblemView, showValue, when } from '../ui/components';
import { UsageChart, type UsageDay } from '../ui/usage-chart';
import { ApiKeysSection } from './tenant-api-keys';
import { BalanceSection } from './tenant-balance';
import { type ActivityEntry, type Connection, isManager, type OrgWorkspace, type Tenant } from './types';
import { useWorkspaceAccess } from './use-workspace';

interface Usage {
  used30d: number;
  limit: number | null;
  remaining: number | null;
  byDay: UsageDay[];
}

/**
 * A tenant, read from its workspace's instance with an admin token: fields, connections (never
 * credentials), 30-day usage, prepaid balance, API keys, activity. Only owners and admins of the org get
 * admin tokens, so a member is told so and offered nothing.
 */
export function TenantPage({
  session,
  workspaceId,
  tenantId,
}: {
  session: Session;
  workspaceId: string;
  tenantId: string;
}) {
  const { workspace, org, error } = useWorkspaceAccess(session, workspaceId);
  if (!workspace || !org) return error ? <ProblemView error={error} /> : <p>Loading…</p>;
  if (!isManager(org.role)) return <AdminsOnly workspace={workspace} what="Tenants" />;
  return <TenantDetail session={session} workspace={workspace} tenantId={tenantId} />;
}

/** What a member sees of a page read with admin tokens: why not, and the way back. */
export function AdminsOnly({ workspace, what }: { workspace: OrgWorkspace; what: string }) {
  return (
    <main>
      <p>
        <Link to={`/workspaces/${workspace.id}`}>{workspace.name}</Link>
      </p>
      <p role="status">
        {what} are read from the instance with an admin token, which only owners and admins of the org are given.
      </p>
    </main>
  );
}

function TenantDetail({
  session,
  workspace,
  tenantId,
}: {
  session: Session;
  workspace: OrgWorkspace;
  tenantId: string;
}) {
  const client = useMemo(() => new InstanceClient(session, workspace.id, workspace.apiUrl), [workspace.id]);
  const [tenant, setTenant] = useState<Tenant | undefined>();
  const [usage, setUsage] = useState<Usage | undefined>();
  const [error, setError] = useState<ProblemError | undefined>();
  const path = `/tenants/${seg(tenantId)}`;
  useEffect(() => {
    const fail = (caught: unknown) => setError(toProblemError(caught));
    client.request<Tenant>('GET', path).then(setTenant).catch(fail);
    client.request<Usage>('GET', `${path}/usage`).then(setUsage).catch(fail);
  }, [client, path]);
  const connections = usePaged(
    (cursor) => client.request<Page<Connection>>('GET', '/connections', { query: { tenantId, cursor } }),
    [client, tenantId],
  );
  const activity = usePaged(
    (cursor) => client.request<Page<ActivityEntry>>('GET', '/activity-logs', { query: { tenantId, cursor } }),
    [client, tenantId],
  );
  return (
    <main>
      <p>
        <Link to={`/workspaces/${workspace.id}`}>{workspace.name}</Link>
      </p>
      <h1>{tenant?.name ?? 'Tenant'}</h1>
      <ProblemView error={error} />
      {tenant && (
        <dl class="facts">
          <dt>Internal ID</dt>
          <dd>{tenant.internalId}</dd>
          <dt>Credentials</dt>
          <dd>{tenant.hasCredentials ? 'set (not shown)' : 'none'}</dd>
          <dt>Created</dt>
          <dd>{when(tenant.createdAt)}</dd>
          <dt>Archived</dt>
          <dd>{when(tenant.archivedAt)}</dd>
          {Object.entries(tenant.fields).map(([key, value]) => (
            <>
              <dt>{key}</dt>
              <dd>{showValue(value)}</dd>
            </>
          ))}
        </dl>
      )}
      <h2>Usage, last 30 days</h2>
      {usage && (
        <>
          <p data-testid="usage-summary">
            {usage.used30d} credits used
            {usage.limit === null ? ', no limit' : ` of ${usage.limit} (${usage.remaining ?? 0} left)`}
          </p>
          <UsageChart days={usage.byDay} />
        </>
      )}
      <BalanceSection client={client} tenantId={tenantId} canTopUp />
      <ApiKeysSection client={client} tenantId={tenantId} canManage />
      <h2>Connections</h2>
      <PagedTable
        label="connections"
        paged={connections}
        columns={[
          { header: 'Name', cell: (c) => c.name },
          { header: 'Integration', cell: (c) => c.integrationKey },
          { header: 'State', cell: (c) => (c.disconnected ? 'disconnected' : 'connected') },
          { header: 'Credentials', cell: (c) => (c.hasCredentials ? 'set (not shown)' : 'none') },
          { header: 'Created', cell: (c) => when(c.createdAt) },
        ]}
      />
      <h2>Activity</h2>
      <PagedTable
        label="activity"
        paged={activity}
        columns={[
          { header: 'When', cell: (a) => when(a.createdAt) },
          { header: 'Type', cell: (a) => a.type },
          {
            header: 'Actor',
            cell: (a) =>
              [a.actor.type, a.actor.id, a.actor.userId && `user ${a.actor.userId}`].filter(Boolean).join(' '),
          },
          { header: 'Data', cell: (a) => <code>{JSON.stringify(a.data)}</code> },
        ]}
      />
    </main>
  );
}
