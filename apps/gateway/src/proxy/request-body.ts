import type { Readable } from 'node:stream';

import type { ClientShares } from './client-shares.js';
import type { HeldBytes } from './move-follow.js';

/*
 * Why the gateway reads a request body before it sends the request on (the
 * way nginx does with `proxy_request_buffering on`): a request whose body is
 * still coming holds one of the gateway's few connections to its instance
 * (GATEWAY_UPSTREAM_CONNECTIONS) for as long as the client takes to send it,
 * and the instance reads the whole body before it checks the credentials.
 * Clients that open more such requests than the pool has connections, each
 * sending a little and then nothing, would make every workspace of that
 * instance wait. Read first, a body of at most the held size (REPLAY_BODY_BYTES,
 * the instance's default body limit) takes no connection until it is whole;
 * the bodies held at once share one budget (REPLAY_BUDGET_BYTES). A larger
 * body (rare: the API is JSON) is streamed on once that much of it has
 * arrived, but only so many at once per instance (StreamedBodies), well below
 * the pool. How long a client may take is the server's request timeout
 * (HTTP_REQUEST_TIMEOUT_MS).
 */

/**
 * A request body as far as the gateway read it: `whole` (every byte, reserved
 * in the budget), `large` (more than the limit: what was read is put back into
 * the stream, which is to be streamed on; its bytes stay reserved until the
 * answer), `busy` (the budget had no room for the next part) or `over_share`
 * (the client's share had none: client-shares.ts); refused either way, nothing
 * forwarded.
 */
export type ReadBody =
  { kind: 'whole'; bytes: Buffer } | { kind: 'large'; stream: Readable } | { kind: 'busy' } | { kind: 'over_share' };

/** The client a body is counted against: its key (clientKeyOf) in `shares`. */
export interface BodyShare {
  shares: ClientShares;
  client: string;
}

/**
 * Reads `stream` (a request body) up to `limit` bytes, each part reserved in
 * `budget` and, when given, in the client's `share` as it arrives (counted in
 * `reservation.bytes`, the same in both, which the caller releases from both
 * once the request is answered, whatever the outcome).
 * @returns `whole` when the body ended within `limit`; `large` once more than
 *   `limit` bytes came (the stream, paused, with those bytes unshifted into
 *   it, so that whoever reads it next gets the whole body); `over_share` when
 *   the client's share had no room for a part, else `busy` when the budget had
 *   none (a part refused is reserved in neither).
 * @throws Error when the body breaks off (the client went away, or its body
 *   ended before its Content-Length).
 */
export function readRequestBody(
  stream: Readable,
  limit: number,
  budget: HeldBytes,
  reservation: { bytes: number },
  share?: BodyShare,
): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onReadable = () => {
      for (
        let chunk = stream.read() as Buffer | string | null;
        chunk !== null;
        chunk = stream.read() as Buffer | string | null
      ) {
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        if (share !== undefined && !share.shares.reserveBytes(share.client, buffer.length)) {
          done();
          resolve({ kind: 'over_share' });
          return;
        }
        if (!budget.reserve(buffer.length)) {
          share?.shares.releaseBytes(share.client, buffer.length);
          done();
          resolve({ kind: 'busy' });
          return;
        }
        reservation.bytes += buffer.length;
        chunks.push(buffer);
        size += buffer.length;
        if (size > limit) {
          // Without a 'readable' listener the stream flows again for whoever listens to it next (undici).
          done();
          stream.unshift(Buffer.concat(chunks, size));
          resolve({ kind: 'large', stream });
          return;
        }
      }
    };
    const onEnd = () => {
      done();
      resolve({ kind: 'whole', bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    // A 'close' without 'end' (or 'error'): the body broke off.
    const onClose = () => onError(new Error('The request body broke off.'));
    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.once('close', onClose);
  });
}

/**
 * How many requests stream their body to each instance at once (a body larger
 * than the gateway holds: it takes an upstream connection while it arrives),
 * at most `perInstance`, so that slow large bodies cannot take the pool.
 */
export class StreamedBodies {
  private readonly counts = new Map<string, number>();

  constructor(readonly perInstance: number) {}

  /** Takes a place for one streamed body to `instance`; false (taking none) when all are taken. */
  acquire(instance: string): boolean {
    const count = this.counts.get(instance) ?? 0;
    if (count >= this.perInstance) return false;
    this.counts.set(instance, count + 1);
    return true;
  }

  /** Gives back a place taken by acquire. */
  release(instance: string): void {
    const count = (this.counts.get(instance) ?? 0) - 1;
    if (count > 0) this.counts.set(instance, count);
    else this.counts.delete(instance);
  }
}
