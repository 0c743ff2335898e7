import { Readable } from 'node:stream';

import { PlacementTable } from '../placements/placement-table.js';
import { classifyAnswer, mayBeMoveAnswer, placementAwayFrom } from './move-follow.js';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('following a moving workspace', () => {
  it('classifies only the statuses a move answers with (307, 308, 503)', () => {
    expect([200, 204, 301, 302, 307, 308, 404, 500, 502, 503, 504].filter(mayBeMoveAnswer)).toEqual([307, 308, 503]);
  });

  it("tells a move's answers (307, 503 workspace_moving) from any other, keeping what it read", async () => {
    expect(await classifyAnswer(307, { 'content-length': '0' }, Readable.from([]))).toMatchObject({
      kind: 'redirected',
    });
    const moving = json({ status: 503, code: 'workspace_moving' });
    const problem = { 'content-type': 'application/problem+json', 'content-length': String(moving.length) };
    expect(await classifyAnswer(503, problem, Readable.from([moving]))).toEqual({ kind: 'moving', body: moving });
    const other = json({ status: 503, code: 'service_unavailable' });
    expect(
      await classifyAnswer(503, { ...problem, 'content-length': String(other.length) }, Readable.from([other])),
    ).toEqual({ kind: 'other', body: other });
    const unread = Readable.from([moving]);
    expect(await classifyAnswer(200, problem, unread)).toEqual({ kind: 'other' });
    expect(unread.readableEnded).toBe(false);
    expect(await classifyAnswer(502, problem, Readable.from([moving]))).toEqual({ kind: 'other' });
  });

  it('waits for the table to place the workspace elsewhere, for a while only', async () => {
    const table = new PlacementTable();
    const placement = {
      workspaceId: '5f0c6a8e-2f0e-4f43-9c89-4b1b1f9f8f10',
      workspaceKey: 'ws',
      instanceId: 'a',
      apiUrl: 'http://a',
      version: 1,
      archived: false,
    };
    table.replaceAll([placement], table.begin());
    expect(await placementAwayFrom(table, 'ws', 'a', 50)).toBeUndefined();
    const waiting = placementAwayFrom(table, 'ws', 'a', 5000);
    table.apply({ ...placement, instanceId: 'b', apiUrl: 'http://b', version: 2 });
    expect(await waiting).toMatchObject({ instanceId: 'b' });
    expect(await placementAwayFrom(table, 'unknown', 'a', 50)).toBeUndefined();
  });
});
