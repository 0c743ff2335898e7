import { PassThrough, Readable } from 'node:stream';

import { ClientShares } from './client-shares.js';
import { HeldBytes } from './move-follow.js';
import { readRequestBody, StreamedBodies } from './request-body.js';

const bytes = (size: number, fill = 'x') => Buffer.alloc(size, fill);

describe('reading a request body before it is sent on', () => {
  it('reads a body within the limit whole, reserving its bytes', async () => {
    const budget = new HeldBytes(100);
    const reservation = { bytes: 0 };
    const body = await readRequestBody(Readable.from([bytes(10), bytes(20, 'y')]), 50, budget, reservation);
    expect(body).toEqual({ kind: 'whole', bytes: Buffer.concat([bytes(10), bytes(20, 'y')]) });
    expect([reservation.bytes, budget.current]).toEqual([30, 30]);
  });

  it('hands a larger body back as a stream that still yields every byte, in order', async () => {
    const budget = new HeldBytes(1000);
    const reservation = { bytes: 0 };
    const parts = [bytes(30, 'a'), bytes(30, 'b'), bytes(30, 'c'), bytes(30, 'd')];
    const body = await readRequestBody(Readable.from(parts, { objectMode: false }), 50, budget, reservation);
    expect(body.kind).toBe('large');
    // Only what was read before it was known to be large is reserved.
    expect(reservation.bytes).toBe(60);
    const received: Buffer[] = [];
    for await (const chunk of (body as { stream: Readable }).stream) received.push(chunk as Buffer);
    expect(Buffer.concat(received)).toEqual(Buffer.concat(parts));
  });

  it('says busy when the budget has no room for the next part, keeping what it reserved countable', async () => {
    const budget = new HeldBytes(50);
    expect(budget.reserve(30)).toBe(true);
    const reservation = { bytes: 0 };
    const body = await readRequestBody(Readable.from([bytes(10), bytes(20)]), 100, budget, reservation);
    expect(body).toEqual({ kind: 'busy' });
    expect([reservation.bytes, budget.current]).toEqual([10, 40]);
  });

  it("says over_share when the client's share has no room for the next part, the budget still having some", async () => {
    const budget = new HeldBytes(1000);
    const shares = new ClientShares(25, 1);
    const reservation = { bytes: 0 };
    const share = { shares, client: '203.0.113.7' };
    const body = await readRequestBody(Readable.from([bytes(10), bytes(20)]), 100, budget, reservation, share);
    expect(body).toEqual({ kind: 'over_share' });
    // The refused part is reserved in neither: what is, is the same in both.
    expect([reservation.bytes, budget.current, shares.holdingOf('203.0.113.7').bytes]).toEqual([10, 10, 10]);
  });

  it('reserves nothing of the share for a part the budget refuses', async () => {
    const budget = new HeldBytes(15);
    const shares = new ClientShares(100, 1);
    const reservation = { bytes: 0 };
    const share = { shares, client: 'a' };
    const body = await readRequestBody(Readable.from([bytes(10), bytes(20)]), 100, budget, reservation, share);
    expect(body).toEqual({ kind: 'busy' });
    expect([reservation.bytes, budget.current, shares.holdingOf('a').bytes]).toEqual([10, 10, 10]);
  });

  it('fails when the body breaks off', async () => {
    const stream = new PassThrough();
    const reading = readRequestBody(stream, 100, new HeldBytes(100), { bytes: 0 });
    stream.write(bytes(5));
    stream.destroy(new Error('aborted'));
    await expect(reading).rejects.toThrow('aborted');
  });

  it('gives each instance at most its places for streamed bodies', () => {
    const streamed = new StreamedBodies(2);
    expect([streamed.acquire('a'), streamed.acquire('a'), streamed.acquire('a'), streamed.acquire('b')]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    streamed.release('a');
    expect(streamed.acquire('a')).toBe(true);
  });
});
