import { useState } from 'preact/hooks';

import { type Page, seg } from '../core/api';
import type { InstanceClient } from '../core/instance';
import { usePaged } from '../core/paging';
import { ActionButton, CopyButton, PagedTable, when } from '../ui/components';
import type { ApiKey, CreatedApiKey } from './types';

/** Tenant roles a key may carry (API.md, "Tenant API keys, roles and revocation"); the instance defaults to member. */
const KEY_ROLES = ['member', 'viewer', 'owner'] as const;

/**
 * A tenant's API keys (`GET /tenants/{id}/api-keys`: prefix, role, last use; never the key). With
 * `canManage` (admin tokens): create one (`POST {name, role, expiresAt?}`), whose key is shown once, in memory only, with a copy
 * button, and gone after a reload; and revoke one after a confirmation (`DELETE …/{keyId}`).
 */
export function ApiKeysSection({
  client,
  tenantId,
  canManage,
}: {
  client: InstanceClient;
  tenantId: string;
  canManage: boolean;
}) {
  const path = `/tenants/${seg(tenantId)}/api-keys`;
  const [name, setName] = useState('');
  const [role, setRole] = useState<string>('member');
  /** `datetime-local` input: the browser's local time; empty = the key never expires. */
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<CreatedApiKey | undefined>();
  const keys = usePaged((cursor) => client.request<Page<ApiKey>>('GET', path, { query: { cursor } }), [client, path]);
  return (
    <section aria-label="api keys">
      <h2>API keys</h2>
      {canManage && (
        <form class="inline" onSubmit={(event) => event.preventDefault()}>
          <label>
            Key name
            <input name="keyName" value={name} onInput={(event) => setName(event.currentTarget.value)} />
          </label>
          <label>
            Role
            <select name="keyRole" value={role} onChange={(event) => setRole(event.currentTarget.value)}>
              {KEY_ROLES.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
          </label>
          <label>
            Expires (optional)
            <input
              name="keyExpires"
              type="datetime-local"
              value={expires}
              onInput={(event) => setExpires(event.currentTarget.value)}
            />
          </label>
          <ActionButton
            label="Create key"
            run={async () => {
              setCreated(undefined);
              const expiresAt = expires ? new Date(expires).toISOString() : undefined;
              setCreated(await client.request<CreatedApiKey>('POST', path, { body: { name, role, expiresAt } }));
              setName('');
              setExpires('');
              keys.reload();
            }}
          />
        </form>
      )}
      {created && (
        <p class="secret" role="status" data-testid="created-key">
          The key {created.name}, shown only now: <code>{created.key}</code> <CopyButton text={created.key} />{' '}
          <button type="button" onClick={() => setCreated(undefined)}>
            Done
          </button>
        </p>
      )}
      <PagedTable
        label="api-keys"
        paged={keys}
        columns={[
          { header: 'Name', cell: (key) => key.name },
          { header: 'Prefix', cell: (key) => <code>{key.prefix}…</code> },
          { header: 'Role', cell: (key) => key.role },
          { header: 'Last used', cell: (key) => when(key.lastUsedAt) },
          { header: 'Expires', cell: (key) => when(key.expiresAt) },
          { header: 'Created', cell: (key) => when(key.createdAt) },
          ...(canManage
            ? [
                {
                  header: 'Actions',
                  cell: (key: ApiKey) => (
                    <ActionButton
                      label="Revoke"
                      confirm={`Revoke the key ${key.name} (${key.prefix}…)? Requests with it are refused at once.`}
                      run={async () => {
                        await client.request('DELETE', `${path}/${seg(key.id)}`);
                        if (created?.id === key.id) setCreated(undefined);
                        keys.reload();
                      }}
                    />
                  ),
                },
              ]
            : []),
        ]}
      />
    </section>
  );
}
