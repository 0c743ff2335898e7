// Simulated instances for benches: NATS responders in this process, one per instance id, on the
// subjects a real instance answers. Each verifies the Hub's Ed25519 signature for its own id and
// acknowledges like an instance (a Nest NATS reply), holding what it applied in memory only.
import { connect } from '@nats-io/transport-node';

import { canonicalDigest, canonicalJson, SnapshotVerifier } from '../../libs/crypto/dist/index.js';

/**
 * Starts `count` simulated instances `sim-0…sim-{count-1}` answering
 * `…instance.<id>.workspaces.apply` (workspace snapshots) in namespace `namespace`.
 * @returns `stats` (applied, refused), `ids`, and `close()`.
 */
export async function startSimulatedInstances({ natsUrl, namespace, hubPublicKey, count }) {
  const nc = await connect({ servers: natsUrl });
  const verifier = SnapshotVerifier.fromPublicKeys(hubPublicKey);
  const stats = { applied: 0, refused: 0 };
  const ids = Array.from({ length: count }, (_, i) => `sim-${i}`);
  for (const id of ids) {
    /** workspace id → version held. */
    const held = new Map();
    nc.subscribe(`${namespace}.switchboard.v1.instance.${id}.workspaces.apply`, {
      callback: (_error, message) => {
        const packet = message.json();
        const { snapshot, signature } = packet.data;
        const canonical = canonicalJson(snapshot);
        if (!verifier.verifyCanonical(id, canonical, signature)) {
          stats.refused++;
          message.respond(
            JSON.stringify({
              id: packet.id,
              err: { code: 'snapshot_signature_invalid', message: 'does not verify', status: 422 },
              isDisposed: true,
            }),
          );
          return;
        }
        const digest = canonicalDigest(snapshot);
        const newer = snapshot.version > (held.get(snapshot.workspaceId) ?? 0);
        if (newer) {
          held.set(snapshot.workspaceId, snapshot.version);
          stats.applied++;
        }
        message.respond(
          JSON.stringify({
            id: packet.id,
            response: { workspaceId: snapshot.workspaceId, appliedVersion: snapshot.version, digest, applied: newer },
            isDisposed: true,
          }),
        );
      },
    });
  }
  await nc.flush();
  return { stats, ids, close: () => nc.close() };
}

/** The resident set size of process `pid` in MiB (`VmRSS` of /proc/<pid>/status), and its peak (`VmHWM`). */
export async function residentMiB(pid) {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}
