import type { UniqueConstraintAnswer } from '@switchboard/server';

/** An id the instance generates itself, or a key that only scopes foreign keys: a retryable conflict. */
const generated = (what: string): UniqueConstraintAnswer => ({
  field: 'id',
  detail: `A generated ${what} collided with an existing one; retry the request.`,
});

/** Two writes to one element or tenant at once: the loser may retry against the new state. */
const concurrent = (field: string, what: string): UniqueConstraintAnswer => ({
  field,
  detail: `${what} was changed by another request at the same time; retry the request.`,
});

/**
 * The answer for a lost race at every unique constraint of the instance's
 * schema (names as in the migrations); see declareUniqueConstraints. The unit
 * test beside it fails when a migration adds a constraint missing here.
 */
export const INSTANCE_UNIQUE_CONSTRAINTS: Record<string, UniqueConstraintAnswer> = {
  // workspaces (written from Hub snapshots)
  UQ_6e6eef7c9f4c128ccce7e9ad510: { field: 'key', detail: 'Another workspace on this instance has this key.' },
  PK_098656ae401f3e1a4586f47fd8e: { field: 'id', detail: 'This workspace is already held by this instance.' },
  // tenants
  tenants_workspace_internal_id: {
    field: 'internalId',
    detail: 'A tenant with this internalId already exists in this workspace.',
  },
  tenants_workspace_id_id: generated('tenant id'),
  PK_53be67a04681c66b87ee27c9321: generated('tenant id'),
  // activity_logs, rate_limit_windows (upserted), usage_records
  PK_f25287b6140c5ba18d38776a796: generated('activity log id'),
  PK_71708cdcc4b8186e812e9056f82: concurrent('tenantId', 'The rate-limit window'),
  PK_e511cf9f7dc53851569f87467a5: generated('usage record id'),
  // integrations, connections
  integrations_workspace_key: {
    field: 'key',
    detail: 'An integration with this key already exists in this workspace.',
  },
  integrations_workspace_id_id: generated('integration id'),
  PK_9adcdc6d6f3922535361ce641e8: generated('integration id'),
  PK_0a1f844af3122354cbd487a8d03: generated('connection id'),
  // elements
  element_templates_workspace_type_key: {
    field: 'key',
    detail: 'An element of this type with this key already exists in this workspace (archived ones too).',
  },
  element_templates_workspace_id_id: generated('element id'),
  PK_2fba8e0bc8b43ed82565f3feeb7: generated('element id'),
  element_templates_tenant_type_key: {
    field: 'key',
    detail: "An element of this type with this key is already the tenant's own (archived ones too).",
  },
  PK_931066be4bf31e2b5d8a1d20353: concurrent('definition', "The tenant's customisation"), // before 1764700000000
  PK_53c1b25f29a5a684372ec5d147a: concurrent('definition', "The tenant's customisation"),
  PK_21c62934437ee3f8f2617ff134f: concurrent('tenantIds', 'The canary deployment'),
  PK_67848fc571d0d7492a57c0bcc3e: concurrent('definition', 'The element'),
  // events, subscriptions, deliveries
  events_tenant_id_id: generated('event id'),
  events_tenant_seq: concurrent('tenantId', "The tenant's event sequence"),
  PK_40731c7151fe4be3116e45ddf73: generated('event id'),
  event_subscriptions_tenant_id_id: generated('subscription id'),
  PK_9e4944140dfbdb8a75c8f3d9bce: generated('subscription id'),
  PK_ca0ffb54b343624dfb988080657: generated('delivery id'),
  // tenant_api_keys: a key's SHA-256 repeats only if 256 random bits did
  PK_tenant_api_keys: generated('API key id'),
  tenant_api_keys_hash: generated('API key'),
  // idempotency_keys (claimed with ON CONFLICT DO NOTHING)
  PK_8ad20779ad0411107a56e53d0f6: generated('idempotency record id'),
  idempotency_keys_owner_key: {
    field: 'Idempotency-Key',
    detail: 'A request with this Idempotency-Key is already in progress.',
  },
  // tenant_balances (created with ON CONFLICT DO NOTHING), balance_entries (top-ups serialised by the balance's row lock)
  PK_a8366668a1846aa526560949b1c: concurrent('tenantId', "The tenant's balance"),
  PK_048c08cbd9ace901924a3f794ce: generated('balance entry id'),
  balance_entries_reference: concurrent('reference', 'A top-up with this reference'),
  // universe_elements, universe_state (written by the universe sync only)
  PK_universe_elements: concurrent('key', 'The universe element'),
  PK_universe_state: concurrent('version', 'The universe state'),
  universe_elements_type_key: concurrent('key', 'The universe element'),
  // workspace moves (one row per workspace, upserted; the change log's ids are an identity)
  PK_workspace_move_sources: generated('move source row'),
  PK_workspace_move_targets: generated('move target row'),
  PK_workspace_move_changes: generated('move change id'),
};
