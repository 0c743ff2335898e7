import { useState } from 'preact/hooks';

import type { Page } from '../core/api';
import { usePaged } from '../core/paging';
import { navigate } from '../core/router';
import { hub, type Session } from '../core/session';
import { ActionButton, Link, PagedTable, when } from '../ui/components';
import type { Org } from './types';

/** The orgs the user belongs to, and a form to create one (any user may). */
export function OrgsPage({ session }: { session: Session }) {
  const paged = usePaged((cursor) => hub<Page<Org>>(session, 'GET', '/orgs', { query: { cursor } }), []);
  const [name, setName] = useState('');
  return (
    <main>
      <h1>Organizations</h1>
      <PagedTable
        label="orgs"
        paged={paged}
        columns={[
          { header: 'Name', cell: (org) => <Link to={`/orgs/${org.id}`}>{org.name}</Link> },
          { header: 'Your role', cell: (org) => org.role },
          { header: 'Created', cell: (org) => when(org.createdAt) },
        ]}
      />
      <h2>New organization</h2>
      <form class="inline" onSubmit={(event) => event.preventDefault()}>
        <input
          aria-label="Organization name"
          placeholder="Name"
          value={name}
          onInput={(event) => setName(event.currentTarget.value)}
        />
        <ActionButton
          label="Create organization"
          run={async () => {
            const org = await hub<Org>(session, 'POST', '/orgs', { body: { name } });
            navigate(`/orgs/${org.id}`);
          }}
        />
      </form>
    </main>
  );
}
