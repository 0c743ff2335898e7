import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

import { type Page, seg } from '../core/api';
import { parseJsonObject } from '../core/json';
import { PAGE_SIZE, usePaged } from '../core/paging';
import { navigate } from '../core/router';
import { hub, type Session } from '../core/session';
import { ActionButton, Link, PagedTable, ProblemView, when } from '../ui/components';
import { UNIVERSE_TYPES, type UniverseElement, type UniverseRevision } from './types';

/**
 * Only platform admins are shown the universe (the Hub lets any user read it, but only they may change it,
 * and nobody else has anything to do here); everyone else is told so and offered nothing.
 */
function PlatformAdminsOnly({ session, children }: { session: Session; children: ComponentChildren }) {
  if (!session.user) return <p>Loading…</p>;
  if (!session.user.isPlatformAdmin) {
    return (
      <main>
        <h1>Not available</h1>
        <p>The universe is managed by platform admins only.</p>
      </main>
    );
  }
  return <>{children}</>;
}

/**
 * The universe (the Hub's `/universe/{utype}`, API.md "Universe"), platform admins only: a tab per type, the
 * elements of one (archived ones too, paged), and a form to create one (key, name, JSON definition; a
 * definition that is not a JSON object, and every refusal of the Hub, shown as the problem's title and detail).
 */
export function UniversePage({ session, utype }: { session: Session; utype: string }) {
  return (
    <PlatformAdminsOnly session={session}>
      <UniverseList session={session} utype={utype} />
    </PlatformAdminsOnly>
  );
}

function UniverseTabs({ utype }: { utype: string }) {
  return (
    <nav class="tabs" aria-label="universe types">
      {UNIVERSE_TYPES.map((candidate) =>
        candidate.path === utype ? (
          <strong key={candidate.path} aria-current="page">
            {candidate.label}
          </strong>
        ) : (
          <Link key={candidate.path} to={`/universe/${candidate.path}`}>
            {candidate.label}
          </Link>
        ),
      )}
    </nav>
  );
}

function UniverseList({ session, utype }: { session: Session; utype: string }) {
  const known = UNIVERSE_TYPES.some((candidate) => candidate.path === utype);
  const paged = usePaged(
    (cursor) =>
      hub<Page<UniverseElement>>(session, 'GET', `/universe/${seg(utype)}`, {
        query: { cursor, limit: PAGE_SIZE, includeArchived: true },
      }),
    [utype],
  );
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [definition, setDefinition] = useState('{}');
  return (
    <main>
      <h1>Universe</h1>
      <p>Public elements every workspace and tenant reads and none can change; each change reaches every instance.</p>
      <UniverseTabs utype={utype} />
      {!known && <p role="status">No universe type {utype}.</p>}
      <PagedTable
        label="universe-elements"
        paged={paged}
        columns={[
          { header: 'Key', cell: (e) => <Link to={`/universe/${utype}/${e.key}`}>{e.key}</Link> },
          { header: 'Name', cell: (e) => e.name },
          { header: 'Revision', cell: (e) => e.revision },
          { header: 'Universe version', cell: (e) => e.universeVersion },
          { header: 'Updated', cell: (e) => when(e.updatedAt) },
          { header: 'Archived', cell: (e) => when(e.archivedAt) },
        ]}
      />
      {known && (
        <section aria-label="create universe element">
          <h2>New element</h2>
          <form class="stacked" onSubmit={(event) => event.preventDefault()}>
            <label>
              Key <input value={key} onInput={(event) => setKey(event.currentTarget.value)} />
            </label>
            <label>
              Name <input value={name} onInput={(event) => setName(event.currentTarget.value)} />
            </label>
            <label>
              Definition (JSON)
              <textarea
                rows={8}
                cols={60}
                value={definition}
                onInput={(event) => setDefinition(event.currentTarget.value)}
              />
            </label>
          </form>
          <ActionButton
            label="Create element"
            run={async () => {
              const body = { key, name, definition: parseJsonObject(definition, 'The definition') };
              const created = await hub<UniverseElement>(session, 'POST', `/universe/${seg(utype)}`, { body });
              navigate(`/universe/${utype}/${created.key}`);
            }}
          />
        </section>
      )}
    </main>
  );
}

/**
 * One universe element, platform admins only: its current revision and definition, a new revision (name and
 * JSON definition, `PUT`), archive (`DELETE`) or restore, and every revision the Hub keeps (paged, oldest first).
 */
export function UniverseElementPage({
  session,
  utype,
  elementKey,
}: {
  session: Session;
  utype: string;
  elementKey: string;
}) {
  return (
    <PlatformAdminsOnly session={session}>
      <UniverseDetail session={session} utype={utype} elementKey={elementKey} />
    </PlatformAdminsOnly>
  );
}

function UniverseDetail({ session, utype, elementKey }: { session: Session; utype: string; elementKey: string }) {
  const path = `/universe/${seg(utype)}/${seg(elementKey)}`;
  const [tick, setTick] = useState(0);
  const element = usePaged(
    async () => ({ items: [await hub<UniverseElement>(session, 'GET', path)], cursor: null }),
    [path, tick],
  );
  const revisions = usePaged(
    (cursor) =>
      hub<Page<UniverseRevision>>(session, 'GET', `${path}/revisions`, { query: { cursor, limit: PAGE_SIZE } }),
    [path, tick],
  );
  const current = element.items[0];
  const [name, setName] = useState('');
  const [definition, setDefinition] = useState('');
  // The form starts from the revision shown (again after each change), never from an edit in flight elsewhere.
  useEffect(() => {
    if (!current) return;
    setName(current.name);
    setDefinition(JSON.stringify(current.definition, null, 2));
  }, [current?.key, current?.revision, current?.archivedAt]);
  const changed = () => setTick((value) => value + 1);
  const label = UNIVERSE_TYPES.find((candidate) => candidate.path === utype)?.label ?? utype;
  return (
    <main>
      <p>
        <Link to={`/universe/${utype}`}>Universe › {label}</Link>
      </p>
      <h1>{current?.name ?? elementKey}</h1>
      <ProblemView error={element.error} />
      {current && (
        <>
          <dl class="facts">
            <dt>Key</dt>
            <dd>{current.key}</dd>
            <dt>Revision</dt>
            <dd data-testid="universe-revision">{current.revision}</dd>
            <dt>Universe version</dt>
            <dd>{current.universeVersion}</dd>
            <dt>Updated</dt>
            <dd>{when(current.updatedAt)}</dd>
            <dt>Archived</dt>
            <dd data-testid="universe-archived">{when(current.archivedAt)}</dd>
            <dt>Definition</dt>
            <dd>
              <pre data-testid="universe-definition">{JSON.stringify(current.definition, null, 2)}</pre>
            </dd>
          </dl>
          {current.archivedAt ? (
            <ActionButton
              label="Restore"
              run={async () => {
                await hub(session, 'POST', `${path}/restore`, { body: {} });
                changed();
              }}
            />
          ) : (
            <ActionButton
              label="Archive"
              confirm={`Archive ${current.key}? Every instance hides it from tokens until it is restored.`}
              run={async () => {
                await hub(session, 'DELETE', path);
                changed();
              }}
            />
          )}
          <section aria-label="new revision">
            <h2>New revision</h2>
            <form class="stacked" onSubmit={(event) => event.preventDefault()}>
              <label>
                Name <input value={name} onInput={(event) => setName(event.currentTarget.value)} />
              </label>
              <label>
                Definition (JSON)
                <textarea
                  rows={10}
                  cols={60}
                  value={definition}
                  onInput={(event) => setDefinition(event.currentTarget.value)}
                />
              </label>
            </form>
            <ActionButton
              label="Save revision"
              run={async () => {
                const body = { name, definition: parseJsonObject(definition, 'The definition') };
                await hub(session, 'PUT', path, { body });
                changed();
              }}
            />
          </section>
        </>
      )}
      <h2>Revisions</h2>
      <PagedTable
        label="universe-revisions"
        paged={revisions}
        columns={[
          { header: 'Revision', cell: (r) => r.revision },
          { header: 'Name', cell: (r) => r.name },
          { header: 'Created by', cell: (r) => r.createdBy ?? '—' },
          { header: 'Created', cell: (r) => when(r.createdAt) },
          { header: 'Definition', cell: (r) => <code>{JSON.stringify(r.definition)}</code> },
        ]}
      />
    </main>
  );
}
