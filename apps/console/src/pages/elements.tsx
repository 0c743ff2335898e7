import { useEffect, useMemo, useState } from 'preact/hooks';

import { type Page, seg } from '../core/api';
import { InstanceClient } from '../core/instance';
import { PAGE_SIZE, usePaged } from '../core/paging';
import type { Session } from '../core/session';
import { ActionButton, Link, PagedTable, ProblemView, when } from '../ui/components';
import { AdminsOnly } from './tenant';
import {
  type Deployment,
  ELEMENT_TYPES,
  type ElementRevision,
  type ElementTemplate,
  isManager,
  type OrgWorkspace,
} from './types';
import { useWorkspaceAccess } from './use-workspace';

/**
 * A workspace's element templates of one type (`GET /{type}` with an admin token, paged), with a tab per
 * type the instance serves. Owners and admins of the org only (the reads need an admin token).
 */
export function ElementsPage({ session, workspaceId, type }: { session: Session; workspaceId: string; type: string }) {
  const { workspace, org, error } = useWorkspaceAccess(session, workspaceId);
  if (!workspace || !org) return error ? <ProblemView error={error} /> : <p>Loading…</p>;
  if (!isManager(org.role)) return <AdminsOnly workspace={workspace} what="Elements" />;
  return <ElementList session={session} workspace={workspace} type={type} />;
}

/** The element types this instance serves: the optional ones are asked for once (404: not served). */
function useServedTypes(client: InstanceClient): typeof ELEMENT_TYPES {
  const [served, setServed] = useState(ELEMENT_TYPES.filter((type) => !type.optional));
  useEffect(() => {
    for (const type of ELEMENT_TYPES.filter((candidate) => candidate.optional)) {
      client
        .request('GET', `/${type.path}`, { query: { limit: 1 } })
        .then(() => setServed((current) => ELEMENT_TYPES.filter((t) => t === type || current.includes(t))))
        .catch(() => undefined);
    }
  }, [client]);
  return served;
}

function ElementList({ session, workspace, type }: { session: Session; workspace: OrgWorkspace; type: string }) {
  const client = useMemo(() => new InstanceClient(session, workspace.id, workspace.apiUrl), [workspace.id]);
  const served = useServedTypes(client);
  const [search, setSearch] = useState('');
  const [applied, setApplied] = useState('');
  const known = ELEMENT_TYPES.find((candidate) => candidate.path === type);
  const paged = usePaged(
    (cursor) =>
      client.request<Page<ElementTemplate>>('GET', `/${seg(type)}`, {
        query: { cursor, limit: PAGE_SIZE, search: applied, includeArchived: true },
      }),
    [client, type, applied],
  );
  const base = `/workspaces/${workspace.id}/elements`;
  return (
    <main>
      <p>
        <Link to={`/workspaces/${workspace.id}`}>{workspace.name}</Link>
      </p>
      <h1>Elements</h1>
      <nav class="tabs" aria-label="element types">
        {served.map((candidate) =>
          candidate.path === type ? (
            <strong key={candidate.path} aria-current="page">
              {candidate.label}
            </strong>
          ) : (
            <Link key={candidate.path} to={`${base}/${candidate.path}`}>
              {candidate.label}
            </Link>
          ),
        )}
      </nav>
      {!known && <p role="status">No element type {type}.</p>}
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied(search);
        }}
      >
        <input
          aria-label="Search elements"
          placeholder="Name or key"
          value={search}
          onInput={(event) => setSearch(event.currentTarget.value)}
        />
        <button type="submit">Search</button>
      </form>
      <PagedTable
        label="elements"
        paged={paged}
        columns={[
          { header: 'Key', cell: (e) => <Link to={`${base}/${type}/${e.key}`}>{e.key}</Link> },
          { header: 'Name', cell: (e) => e.name },
          { header: 'Level', cell: (e) => e.level ?? 'workspace' },
          { header: 'Revision', cell: (e) => revisionText(e) },
          { header: 'Updated', cell: (e) => when(e.updatedAt) },
          { header: 'Archived', cell: (e) => when(e.archivedAt) },
        ]}
      />
    </main>
  );
}

/**
 * One element template (`GET /{type}/{key}`), its revisions newest first (`GET /{type}/{key}/revisions`,
 * paged) and, per older revision, a rollback (`POST /{type}/{key}/rollback {revision}`: a new revision
 * equal to the old one; history only grows). Owners and admins of the org only.
 */
export function ElementPage({
  session,
  workspaceId,
  type,
  elementKey,
}: {
  session: Session;
  workspaceId: string;
  type: string;
  elementKey: string;
}) {
  const { workspace, org, error } = useWorkspaceAccess(session, workspaceId);
  if (!workspace || !org) return error ? <ProblemView error={error} /> : <p>Loading…</p>;
  if (!isManager(org.role)) return <AdminsOnly workspace={workspace} what="Elements" />;
  return <ElementDetail session={session} workspace={workspace} type={type} elementKey={elementKey} />;
}

function ElementDetail({
  session,
  workspace,
  type,
  elementKey,
}: {
  session: Session;
  workspace: OrgWorkspace;
  type: string;
  elementKey: string;
}) {
  const client = useMemo(() => new InstanceClient(session, workspace.id, workspace.apiUrl), [workspace.id]);
  const path = `/${seg(type)}/${seg(elementKey)}`;
  const [tick, setTick] = useState(0);
  const element = usePaged(
    async () => ({ items: [await client.request<ElementTemplate>('GET', path)], cursor: null }),
    [client, path, tick],
  );
  const revisions = usePaged(
    (cursor) =>
      client.request<Page<ElementRevision>>('GET', `${path}/revisions`, { query: { cursor, limit: PAGE_SIZE } }),
    [client, path, tick],
  );
  const current = element.items[0];
  /** Only a workspace's own templates have a history to roll back here; universe elements are the platform's. */
  const editable = current !== undefined && (current.level ?? 'workspace') === 'workspace' && !current.archivedAt;
  const published = current?.publishedRevision ?? current?.revision;
  const staged = current?.publishedRevision !== undefined;
  const deployment = usePaged(
    async () =>
      staged && editable
        ? { items: [await client.request<Deployment>('GET', `${path}/deployment`)], cursor: null }
        : { items: [], cursor: null },
    [client, path, tick, staged, editable],
  );
  const run = (action: 'rollback' | 'publish', revision: number) => async () => {
    await client.request('POST', `${path}/${action}`, { body: { revision } });
    setTick((value) => value + 1);
  };
  return (
    <main>
      <p>
        <Link to={`/workspaces/${workspace.id}`}>{workspace.name}</Link> ›{' '}
        <Link to={`/workspaces/${workspace.id}/elements/${type}`}>
          {ELEMENT_TYPES.find((candidate) => candidate.path === type)?.label ?? type}
        </Link>
      </p>
      <h1>{current?.name ?? elementKey}</h1>
      <ProblemView error={element.error} />
      {current && (
        <dl class="facts">
          <dt>Key</dt>
          <dd>{current.key}</dd>
          <dt>Level</dt>
          <dd>{current.level ?? 'workspace'}</dd>
          <dt>Revision</dt>
          <dd data-testid="element-revision">{revisionText(current)}</dd>
          <dt>Updated</dt>
          <dd>{when(current.updatedAt)}</dd>
          <dt>Archived</dt>
          <dd>{when(current.archivedAt)}</dd>
          <dt>Definition</dt>
          <dd>
            <pre>{JSON.stringify(current.definition, null, 2)}</pre>
          </dd>
        </dl>
      )}
      {deployment.items[0] && (
        <>
          <h2>Deployment</h2>
          <p data-testid="deployment">
            Published {deployment.items[0].publishedRevision} of {deployment.items[0].latestRevision};{' '}
            {deployment.items[0].tenants.length === 0
              ? 'no live tenants'
              : deployment.items[0].tenants
                  .map((entry) => `${entry.count} tenant${entry.count === 1 ? '' : 's'} on ${entry.revision}`)
                  .join(', ')}
          </p>
        </>
      )}
      <ProblemView error={deployment.error} />
      <h2>Revisions</h2>
      <PagedTable
        label="revisions"
        paged={revisions}
        columns={[
          { header: 'Revision', cell: (r) => r.revision },
          { header: 'Name', cell: (r) => r.name },
          { header: 'Created', cell: (r) => when(r.createdAt) },
          { header: 'Definition', cell: (r) => <code>{JSON.stringify(r.definition)}</code> },
          {
            header: 'Actions',
            cell: (r) =>
              !editable || published === undefined || r.revision === published ? null : r.revision > published ? (
                <ActionButton
                  label={`Publish ${r.revision}`}
                  confirm={`Publish draft revision ${r.revision} of ${elementKey} to every tenant?`}
                  run={run('publish', r.revision)}
                />
              ) : (
                <ActionButton
                  label={`Roll back to ${r.revision}`}
                  confirm={`Make revision ${r.revision} of ${elementKey} the current one (as a new revision)?`}
                  run={run('rollback', r.revision)}
                />
              ),
          },
        ]}
      />
    </main>
  );
}

/** A template's revision as shown: the published one, and the newest when a draft is ahead of it. */
function revisionText(element: ElementTemplate): string {
  const published = element.publishedRevision ?? element.revision;
  const latest = element.latestRevision ?? element.revision;
  return latest > published ? `${published} (draft ${latest})` : String(published);
}
