import { randomBytes, randomUUID } from 'node:crypto';

import { applyWorkspaceSnapshotContract, type WorkspaceSnapshot } from '@switchboard/contracts';
import { Keyring } from '@switchboard/crypto';
import { NatsClient } from '@switchboard/server';
import { signSnapshotForTest } from '@switchboard/testing';
import jwt from 'jsonwebtoken';

import type { InstanceHarness } from './instance-harness.js';

export const FIXTURE_KEYS = Keyring.generateKeySpec('fixture');

export interface WorkspaceFixture {
  snapshot: WorkspaceSnapshot;
  secret: string;
  /** Applies a new version of the snapshot, as the Hub would. */
  update(change: Partial<WorkspaceSnapshot>): Promise<void>;
  sign(claims: Record<string, unknown>, options?: jwt.SignOptions): string;
  adminToken(): string;
  tenantToken(tenantKey: string, claims?: Record<string, unknown>): string;
}

/**
 * A workspace delivered to an instance over NATS exactly as the Hub delivers
 * one (signed with `TEST_HUB_KEYS`), with helpers that sign tokens for it.
 * The instance must run with `ENCRYPTION_KEYS: FIXTURE_KEYS`.
 */
export async function seedWorkspace(
  instance: InstanceHarness,
  overrides: Partial<WorkspaceSnapshot> = {},
): Promise<WorkspaceFixture> {
  const keyring = Keyring.parse(FIXTURE_KEYS);
  const nats = instance.app.get(NatsClient);
  const secret = `sbws_${randomBytes(32).toString('base64url')}`;
  let snapshot: WorkspaceSnapshot = {
    workspaceId: randomUUID(),
    orgId: randomUUID(),
    key: `ws-${randomBytes(6).toString('hex')}`,
    name: 'Fixture workspace',
    settings: {},
    webhookUri: null,
    publicKeys: [],
    sealedSecret: keyring.encrypt(secret),
    previousSecrets: [],
    archivedAt: null,
    version: 1,
    ...overrides,
  };
  const deliver = async () => {
    const instanceId = instance.config.INSTANCE_ID;
    await nats.request(applyWorkspaceSnapshotContract, signSnapshotForTest(instanceId, snapshot), { instanceId });
  };
  await deliver();
  const sign = (claims: Record<string, unknown>, options: jwt.SignOptions = {}) =>
    jwt.sign({ iss: snapshot.key, ...claims }, secret, { algorithm: 'HS256', expiresIn: 600, ...options });
  return {
    get snapshot() {
      return snapshot;
    },
    secret,
    update: async (change) => {
      snapshot = { ...snapshot, ...change, version: snapshot.version + 1 };
      await deliver();
    },
    sign,
    adminToken: () => sign({ isAdmin: true }),
    tenantToken: (tenantKey, claims = {}) => sign({ tenantKey, name: `Tenant ${tenantKey}`, ...claims }),
  };
}
