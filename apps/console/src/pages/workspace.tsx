import { useEffect, useMemo, useState } from 'preact/hooks';

import { type Page, ProblemError, seg } from '../core/api';
import { allowsOrigin, InstanceClient } from '../core/instance';
import { PAGE_SIZE, toProblemError, usePaged } from '../core/paging';
import { hub, type Session } from '../core/session';
import { ActionButton, type Column, Link, PagedTable, ProblemView, showValue, when } from '../ui/components';
import { SYNC_REFRESH_MS } from './org';
import { isManager, mayMove, type Org, type OrgWorkspace, type Tenant } from './types';
import { WorkspaceMoveSection } from './workspace-move';

/**
 * A workspace: its sync state (re-read every 2 s), placement, and for owners and admins of its org the
 * actions (archive/restore, rotate the secret with a grace period, allow this console's origin) and its
 * tenants, read from its instance; for its org's owner and platform admins, moving it to another instance.
 */
export function WorkspacePage({ session, workspaceId }: { session: Session; workspaceId: string }) {
  const [workspace, setWorkspace] = useState<OrgWorkspace | undefined>();
  const [org, setOrg] = useState<Org | undefined>();
  const [error, setError] = useState<ProblemError | undefined>();
  const [tick, setTick] = useState(0);
  const reload = () => setTick((value) => value + 1);

  useEffect(() => {
    let live = true;
    const read = () =>
      hub<OrgWorkspace>(session, 'GET', `/org-workspaces/${seg(workspaceId)}`)
        .then((found) => live && (setWorkspace(found), setError(undefined)))
        .catch((caught: unknown) => live && setError(toProblemError(caught)));
    void read();
    const timer = setInterval(() => void read(), SYNC_REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [workspaceId, tick]);
  useEffect(() => {
    if (!workspace) return;
    hub<Org>(session, 'GET', `/orgs/${seg(workspace.orgId)}`)
      .then(setOrg)
      .catch((caught: unknown) => setError(toProblemError(caught)));
  }, [workspace?.orgId]);

  if (!workspace) return error ? <ProblemView error={error} /> : <p>Loading…</p>;
  const manager = isManager(org?.role);
  return (
    <main>
      <p>
        <Link to={`/orgs/${workspace.orgId}`}>{org?.name ?? 'Organization'}</Link>
      </p>
      <h1>{workspace.name}</h1>
      <ProblemView error={error} />
      <dl class="facts">
        <dt>Sync</dt>
        <dd>
          <span class={`badge ${workspace.sync.state}`} data-testid="sync-state">
            {workspace.sync.state}
          </span>{' '}
          version {workspace.sync.appliedVersion} of {workspace.sync.version}
          {workspace.sync.lastError && <span class="problem-detail"> {workspace.sync.lastError}</span>}
        </dd>
        <dt>Key</dt>
        <dd>{workspace.key}</dd>
        <dt>Instance</dt>
        <dd>
          {workspace.instanceId} <code>{workspace.apiUrl}</code>
        </dd>
        <dt>Archived</dt>
        <dd>{when(workspace.archivedAt)}</dd>
        {manager && (
          <>
            <dt>Elements</dt>
            <dd>
              <Link to={`/workspaces/${workspace.id}/elements`}>Elements and their revisions</Link>
            </dd>
          </>
        )}
      </dl>
      {manager && <WorkspaceActions session={session} workspace={workspace} onChange={reload} />}
      {mayMove(org?.role, session.user?.isPlatformAdmin) && (
        <WorkspaceMoveSection session={session} workspace={workspace} onChange={reload} />
      )}
      {manager && !workspace.archivedAt && <Tenants session={session} workspace={workspace} onChange={reload} />}
    </main>
  );
}

function WorkspaceActions({
  session,
  workspace,
  onChange,
}: {
  session: Session;
  workspace: OrgWorkspace;
  onChange: () => void;
}) {
  const [grace, setGrace] = useState('86400');
  const [secret, setSecret] = useState<string | undefined>();
  const path = `/org-workspaces/${seg(workspace.id)}`;
  return (
    <section class="actions" aria-label="workspace actions">
      <h2>Actions</h2>
      {workspace.archivedAt ? (
        <ActionButton
          label="Restore"
          run={async () => {
            await hub(session, 'POST', `${path}/restore`);
            onChange();
          }}
        />
      ) : (
        <ActionButton
          label="Archive"
          confirm={`Archive ${workspace.name}? Its tenants stop being served until it is restored.`}
          run={async () => {
            await hub(session, 'POST', `${path}/archive`);
            onChange();
          }}
        />
      )}
      <form class="inline" onSubmit={(event) => event.preventDefault()}>
        <label>
          Grace period (seconds, the previous secret stays valid)
          <input
            name="grace"
            type="number"
            min={0}
            max={604800}
            value={grace}
            onInput={(event) => setGrace(event.currentTarget.value)}
          />
        </label>
        <ActionButton
          label="Rotate secret"
          confirm="Rotate the workspace secret?"
          run={async () => {
            const rotated = await hub<{ secret: string }>(session, 'POST', `${path}/rotate-secret`, {
              body: { gracePeriodSeconds: Number(grace) },
            });
            setSecret(rotated.secret);
            onChange();
          }}
        />
      </form>
      {secret && (
        <p class="secret" role="status">
          The new secret, shown only now: <code>{secret}</code>
        </p>
      )}
    </section>
  );
}

function Tenants({
  session,
  workspace,
  onChange,
}: {
  session: Session;
  workspace: OrgWorkspace;
  onChange: () => void;
}) {
  const origin = location.origin;
  if (!allowsOrigin(workspace.settings, origin)) {
    const listed: unknown[] = Array.isArray(workspace.settings['allowedOrigins'])
      ? workspace.settings['allowedOrigins']
      : [];
    return (
      <section>
        <h2>Tenants</h2>
        <p class="warning" role="status">
          This workspace does not allow the console's origin <code>{origin}</code> (settings.allowedOrigins), so the
          browser may not read its tenants from <code>{workspace.apiUrl}</code>.
        </p>
        <ActionButton
          label="Allow this console"
          run={async () => {
            await hub(session, 'PATCH', `/org-workspaces/${seg(workspace.id)}`, {
              body: { settings: { ...workspace.settings, allowedOrigins: [...listed, origin] } },
            });
            onChange();
          }}
        />
      </section>
    );
  }
  return <WhenApplied workspace={workspace} render={() => <TenantList session={session} workspace={workspace} />} />;
}

/**
 * Renders once the instance has applied the workspace's configuration (synced at least once since this
 * page opened): before that, an origin just allowed is not yet known to the instance, and CORS refuses.
 */
function WhenApplied({ workspace, render }: { workspace: OrgWorkspace; render: () => preact.JSX.Element }) {
  const [applied, setApplied] = useState(false);
  const synced = workspace.sync.state === 'synced';
  useEffect(() => {
    if (synced) setApplied(true);
  }, [synced]);
  if (applied || synced) return render();
  return (
    <section>
      <h2>Tenants</h2>
      <p role="status">
        Waiting for the instance to apply the workspace's configuration (sync: {workspace.sync.state}).
      </p>
    </section>
  );
}

function TenantList({ session, workspace }: { session: Session; workspace: OrgWorkspace }) {
  const client = useMemo(
    () => new InstanceClient(session, workspace.id, workspace.apiUrl),
    [workspace.id, workspace.apiUrl],
  );
  const [schema, setSchema] = useState<Record<string, unknown> | null | undefined>();
  const [schemaText, setSchemaText] = useState('');
  const [error, setError] = useState<ProblemError | undefined>();
  const [search, setSearch] = useState('');
  const [applied, setApplied] = useState('');

  useEffect(() => {
    client
      .request<{ tenantFieldSchema: Record<string, unknown> | null }>('GET', '/workspace')
      .then((found) => {
        setSchema(found.tenantFieldSchema);
        setSchemaText(JSON.stringify(found.tenantFieldSchema ?? { type: 'object', properties: {} }, null, 2));
      })
      .catch((caught: unknown) => setError(toProblemError(caught)));
  }, [client]);

  const paged = usePaged(
    (cursor) =>
      client.request<Page<Tenant>>('GET', '/tenants', { query: { cursor, limit: PAGE_SIZE, search: applied } }),
    [client, applied],
  );
  const fields = fieldNames(schema);
  const columns: Column<Tenant>[] = [
    { header: 'Name', cell: (t) => <Link to={`/workspaces/${workspace.id}/tenants/${t.id}`}>{t.name}</Link> },
    { header: 'Internal ID', cell: (t) => t.internalId },
    ...fields.map((field) => ({ header: field, cell: (t: Tenant) => showValue(t.fields[field]) })),
  ];
  return (
    <section>
      <h2>Tenants</h2>
      <ProblemView error={error} />
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied(search);
        }}
      >
        <input
          aria-label="Search tenants"
          placeholder="Name or internal id"
          value={search}
          onInput={(event) => setSearch(event.currentTarget.value)}
        />
        <button type="submit">Search</button>
      </form>
      {schema !== undefined && <PagedTable label="tenants" paged={paged} columns={columns} />}
      {/* The editor only once the saved schema is read: an edit made before would be overwritten by it. */}
      {schema !== undefined && (
        <>
          <h3>Tenant field schema</h3>
          <p>One column per property of this JSON Schema; tenant fields outside it are not shown.</p>
          <textarea
            aria-label="Tenant field schema"
            rows={8}
            cols={60}
            value={schemaText}
            onInput={(event) => setSchemaText(event.currentTarget.value)}
          />
          <div>
            <ActionButton
              label="Save schema"
              run={async () => {
                let parsed: unknown;
                try {
                  parsed = JSON.parse(schemaText);
                } catch (caught) {
                  throw new ProblemError({ status: 0, title: 'The schema is not JSON', detail: String(caught) });
                }
                const saved = await client.request<{ tenantFieldSchema: Record<string, unknown> | null }>(
                  'PUT',
                  '/workspace/tenant-field-schema',
                  { body: parsed },
                );
                setSchema(saved.tenantFieldSchema);
                paged.reload();
              }}
            />
          </div>
        </>
      )}
    </section>
  );
}

/** The property names of a tenant field schema, in its order; none without one. */
export function fieldNames(schema: Record<string, unknown> | null | undefined): string[] {
  const properties = schema?.['properties'];
  return properties && typeof properties === 'object' && !Array.isArray(properties) ? Object.keys(properties) : [];
}
