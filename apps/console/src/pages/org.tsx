import { useEffect, useState } from 'preact/hooks';

import { type Page, type ProblemError, seg } from '../core/api';
import { toProblemError, usePaged } from '../core/paging';
import { hub, type Session } from '../core/session';
import { ActionButton, Link, PagedTable, ProblemView, when } from '../ui/components';
import { type AuditEntry, isManager, type Member, type Org, type OrgWorkspace } from './types';

/** How often the workspace list re-reads its sync states. */
export const SYNC_REFRESH_MS = 2000;

/** An org: its workspaces (sync state live), and for owners its members, for owners and admins its audit log. */
export function OrgPage({ session, orgId }: { session: Session; orgId: string }) {
  const [org, setOrg] = useState<Org | undefined>();
  const [error, setError] = useState<ProblemError | undefined>();
  useEffect(() => {
    hub<Org>(session, 'GET', `/orgs/${seg(orgId)}`)
      .then(setOrg)
      .catch((caught: unknown) => setError(toProblemError(caught)));
  }, [orgId]);
  if (error) return <ProblemView error={error} />;
  if (!org) return <p>Loading…</p>;
  return (
    <main>
      <h1>{org.name}</h1>
      <p>
        Your role: <strong data-testid="role">{org.role}</strong>
      </p>
      <Workspaces session={session} org={org} />
      {org.role === 'owner' && <Members session={session} org={org} />}
      {isManager(org.role) && <AuditLog session={session} org={org} />}
    </main>
  );
}

function Workspaces({ session, org }: { session: Session; org: Org }) {
  const [includeArchived, setIncludeArchived] = useState(false);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; secret: string } | undefined>();
  const paged = usePaged(
    (cursor) =>
      hub<Page<OrgWorkspace>>(session, 'GET', '/org-workspaces', {
        query: { orgId: org.id, cursor, includeArchived: includeArchived || undefined },
      }),
    [org.id, includeArchived],
    SYNC_REFRESH_MS,
  );
  return (
    <section>
      <h2>Workspaces</h2>
      <label class="toggle">
        <input
          type="checkbox"
          checked={includeArchived}
          onChange={(event) => setIncludeArchived(event.currentTarget.checked)}
        />
        Show archived
      </label>
      <PagedTable
        label="workspaces"
        paged={paged}
        columns={[
          { header: 'Name', cell: (w) => <Link to={`/workspaces/${w.id}`}>{w.name}</Link> },
          { header: 'Key', cell: (w) => w.key },
          { header: 'Instance', cell: (w) => w.instanceId },
          {
            header: 'Sync',
            cell: (w) => (
              <span class={`badge ${w.sync.state}`} data-testid={`sync-${w.name}`} title={w.sync.lastError ?? ''}>
                {w.sync.state}
              </span>
            ),
          },
          { header: 'Version', cell: (w) => `${w.sync.appliedVersion}/${w.sync.version}` },
          { header: 'Archived', cell: (w) => when(w.archivedAt) },
        ]}
      />
      {isManager(org.role) && (
        <form class="inline" onSubmit={(event) => event.preventDefault()}>
          <input
            aria-label="Workspace name"
            placeholder="Name"
            value={name}
            onInput={(event) => setName(event.currentTarget.value)}
          />
          <ActionButton
            label="Create workspace"
            run={async () => {
              const workspace = await hub<OrgWorkspace & { secret: string }>(session, 'POST', '/org-workspaces', {
                body: { orgId: org.id, name },
              });
              setCreated({ name: workspace.name, secret: workspace.secret });
              setName('');
              paged.reload();
            }}
          />
        </form>
      )}
      {created && (
        <p class="secret" role="status">
          The secret of {created.name}, shown only now: <code>{created.secret}</code>
        </p>
      )}
    </section>
  );
}

function Members({ session, org }: { session: Session; org: Org }) {
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState('member');
  const paged = usePaged(
    (cursor) => hub<Page<Member>>(session, 'GET', `/orgs/${seg(org.id)}/members`, { query: { cursor } }),
    [org.id],
  );
  return (
    <section>
      <h2>Members</h2>
      <PagedTable
        label="members"
        paged={paged}
        columns={[
          { header: 'Name', cell: (m) => m.name },
          { header: 'Email', cell: (m) => m.email },
          { header: 'Role', cell: (m) => m.role },
          { header: 'Since', cell: (m) => when(m.createdAt) },
          {
            header: '',
            cell: (m) => (
              <ActionButton
                label="Remove"
                confirm={`Remove ${m.email} from ${org.name}?`}
                run={async () => {
                  await hub(session, 'DELETE', `/orgs/${seg(org.id)}/members/${seg(m.userId)}`);
                  paged.reload();
                }}
              />
            ),
          },
        ]}
      />
      <form class="inline" onSubmit={(event) => event.preventDefault()}>
        <input
          aria-label="User id"
          placeholder="User id"
          value={userId}
          onInput={(event) => setUserId(event.currentTarget.value)}
        />
        <select aria-label="Role" value={role} onChange={(event) => setRole(event.currentTarget.value)}>
          <option value="member">member</option>
          <option value="admin">admin</option>
          <option value="owner">owner</option>
        </select>
        <ActionButton
          label="Add member"
          run={async () => {
            await hub(session, 'POST', `/orgs/${seg(org.id)}/members`, { body: { userId: userId.trim(), role } });
            setUserId('');
            paged.reload();
          }}
        />
      </form>
    </section>
  );
}

function AuditLog({ session, org }: { session: Session; org: Org }) {
  const paged = usePaged(
    (cursor) => hub<Page<AuditEntry>>(session, 'GET', `/orgs/${seg(org.id)}/audit-log`, { query: { cursor } }),
    [org.id],
  );
  return (
    <section>
      <h2>Audit log</h2>
      <button type="button" onClick={() => paged.reload()}>
        Refresh
      </button>
      <PagedTable
        label="audit-log"
        paged={paged}
        columns={[
          { header: 'When', cell: (e) => when(e.createdAt) },
          { header: 'Action', cell: (e) => e.action },
          { header: 'Target', cell: (e) => `${e.targetType} ${e.targetId}` },
          { header: 'By', cell: (e) => e.actorUserId },
          { header: 'Changes', cell: (e) => <code>{JSON.stringify(e.changes)}</code> },
        ]}
      />
    </section>
  );
}
