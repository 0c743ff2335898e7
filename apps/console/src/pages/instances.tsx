import { useState } from 'preact/hooks';

import { type Page, seg } from '../core/api';
import { usePaged } from '../core/paging';
import { hub, type Session } from '../core/session';
import { ActionButton, PagedTable, when } from '../ui/components';
import type { Instance } from './types';

/** How often the list is re-read: every 5 s, every second while an instance drains. */
const REFRESH_MS = 5000;
const DRAIN_REFRESH_MS = 1000;

/**
 * The instance registry (platform admins): up/down from heartbeats, workspace counts, versions, the universe
 * version applied, and draining (`POST /instances/{id}/drain`, platform admins only): Drain on each instance
 * not draining, and the drain's state and workspaces left; re-read every 5 s, every second during a drain.
 */
export function InstancesPage({ session }: { session: Session }) {
  const [draining, setDraining] = useState(false);
  const paged = usePaged(
    (cursor) =>
      hub<Page<Instance>>(session, 'GET', '/instances', { query: { cursor } }).then((page) => {
        setDraining(page.items.some((instance) => instance.drain?.state === 'draining'));
        return page;
      }),
    [],
    draining ? DRAIN_REFRESH_MS : REFRESH_MS,
  );
  const [started, setStarted] = useState<string | undefined>();
  const admin = session.user?.isPlatformAdmin === true;
  return (
    <main>
      <h1>Instances</h1>
      {started && <p role="status">{started}</p>}
      <PagedTable
        label="instances"
        paged={paged}
        columns={[
          { header: 'ID', cell: (i) => i.id },
          { header: 'Status', cell: (i) => <span class={`badge ${i.status}`}>{i.status}</span> },
          { header: 'Workspaces', cell: (i) => i.workspaceCount },
          { header: 'Version', cell: (i) => i.version ?? i.labels['version'] ?? '—' },
          { header: 'Universe', cell: (i) => i.universeVersion ?? '—' },
          { header: 'Schema', cell: (i) => i.schemaLevel ?? 'unknown' },
          { header: 'New workspaces', cell: (i) => (i.acceptsNewWorkspaces ? 'accepted' : 'refused') },
          { header: 'API URL', cell: (i) => i.apiUrl },
          { header: 'Last seen', cell: (i) => when(i.lastSeenAt) },
          {
            header: 'Drain',
            cell: (i) => (
              <>
                {i.drain && (
                  <span class={`badge ${i.drain.state}`} data-testid={`drain-${i.id}`}>
                    {i.drain.state}, {i.drain.remaining} left
                  </span>
                )}
                {admin && i.drain?.state !== 'draining' && (
                  <ActionButton
                    label="Drain"
                    confirm={`Drain ${i.id}? It takes no new workspaces and each of its ${i.workspaceCount} workspaces is moved to another instance.`}
                    run={async () => {
                      const answer = await hub<{ started: number }>(session, 'POST', `/instances/${seg(i.id)}/drain`);
                      setStarted(
                        `Draining ${i.id}: ${answer.started} ${answer.started === 1 ? 'move' : 'moves'} started.`,
                      );
                      paged.reload();
                    }}
                  />
                )}
              </>
            ),
          },
        ]}
      />
    </main>
  );
}
