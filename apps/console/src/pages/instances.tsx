import type { Page } from '../core/api';
import { usePaged } from '../core/paging';
import { hub, type Session } from '../core/session';
import { PagedTable, when } from '../ui/components';
import type { Instance } from './types';

/** The instance registry (platform admins): up/down from heartbeats, workspace counts, versions, the universe version applied; re-read every 5 s. */
export function InstancesPage({ session }: { session: Session }) {
  const paged = usePaged(
    (cursor) => hub<Page<Instance>>(session, 'GET', '/instances', { query: { cursor } }),
    [],
    5000,
  );
  return (
    <main>
      <h1>Instances</h1>
      <PagedTable
        label="instances"
        paged={paged}
        columns={[
          { header: 'ID', cell: (i) => i.id },
          { header: 'Status', cell: (i) => <span class={`badge ${i.status}`}>{i.status}</span> },
          { header: 'Workspaces', cell: (i) => i.workspaceCount },
          { header: 'Version', cell: (i) => i.version ?? i.labels['version'] ?? '—' },
          { header: 'Universe', cell: (i) => i.universeVersion ?? '—' },
          { header: 'New workspaces', cell: (i) => (i.acceptsNewWorkspaces ? 'accepted' : 'refused') },
          { header: 'API URL', cell: (i) => i.apiUrl },
          { header: 'Last seen', cell: (i) => when(i.lastSeenAt) },
        ]}
      />
    </main>
  );
}
