import type { IncomingMessage } from 'node:http';

import type { HttpAdapterHost } from '@nestjs/core';
import Fastify from 'fastify';

import { MoveGate, MoveGateHook, workspaceKeyOfRequest } from './move-gate.js';
import { isMoveRefusal, moveRefusal } from './move-refusal.js';
import type { GatedWorkspace, MovesRepository } from './moves.repository.js';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const jwt = (claims: object) =>
  `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('workspaceKeyOfRequest', () => {
  it("reads a JWT's iss, else its workspaceKey, without verifying it", () => {
    expect(workspaceKeyOfRequest(request({ authorization: `Bearer ${jwt({ iss: 'ws-a' })}` }))).toBe('ws-a');
    expect(workspaceKeyOfRequest(request({ authorization: `Bearer ${jwt({ workspaceKey: 'ws-b' })}` }))).toBe('ws-b');
  });

  it('reads the workspace of an API key, in X-API-Key or as a bearer', () => {
    const key = `sbk_ws-c_${'A'.repeat(43)}`;
    expect(workspaceKeyOfRequest(request({ 'x-api-key': key }))).toBe('ws-c');
    expect(workspaceKeyOfRequest(request({ authorization: `Bearer ${key}` }))).toBe('ws-c');
  });

  it('names no workspace for anything else', () => {
    expect(workspaceKeyOfRequest(request({}))).toBeUndefined();
    expect(workspaceKeyOfRequest(request({ authorization: 'Basic abc' }))).toBeUndefined();
    expect(workspaceKeyOfRequest(request({ authorization: 'Bearer not.a-json.token' }))).toBeUndefined();
    expect(workspaceKeyOfRequest(request({ authorization: `Bearer ${jwt({ iss: 42 })}` }))).toBeUndefined();
  });
});

describe('isMoveRefusal', () => {
  it("recognises the capture trigger's SQLSTATE, wrapped or not", () => {
    expect(isMoveRefusal({ code: 'SB001' })).toBe(true);
    expect(isMoveRefusal({ driverError: { code: 'SB001' } })).toBe(true);
    expect(isMoveRefusal(new Error('other', { cause: { code: 'SB001' } }))).toBe(true);
    expect(isMoveRefusal({ code: '23505' })).toBe(false);
    expect(isMoveRefusal(undefined)).toBe(false);
  });
});

describe('MoveGate.waitWhileFrozen', () => {
  it('shares its database reads among the requests held on one workspace', async () => {
    // Frozen for the first three reads, then moved.
    let reads = 0;
    const repository = {
      gateOf: (key: string): Promise<GatedWorkspace | null> => {
        reads++;
        return Promise.resolve({
          key,
          state: reads > 3 ? 'moved' : 'frozen',
          redirectUrl: reads > 3 ? 'http://target' : null,
        });
      },
    } as unknown as MovesRepository;
    const gate = new MoveGate(repository);
    const held = await Promise.all(Array.from({ length: 50 }, () => gate.waitWhileFrozen('ws-a', 60_000)));
    expect(held.map((state) => state?.state)).toEqual(Array.from({ length: 50 }, () => 'moved'));
    // Each of the 50 polling on its own would read at least 4 times each: 200.
    expect(reads).toBeLessThan(50);
  });
});

describe('MoveGateHook', () => {
  it("turns the trigger's refusal of a write let in just before the freeze into the 307 of a held request", async () => {
    let state: GatedWorkspace | undefined = { key: 'ws-a', state: 'moved', redirectUrl: 'http://target:1/' };
    const gate = {
      // The gate does not know of the cutover yet: the request goes on to its handler.
      get: () => undefined,
      waitWhileFrozen: () => Promise.resolve(state),
    } as unknown as MoveGate;
    const app = Fastify();
    new MoveGateHook(gate, { httpAdapter: { getInstance: () => app } } as unknown as HttpAdapterHost).onModuleInit();
    const refused = JSON.stringify({ status: 503, code: 'workspace_moving', detail: 'nothing was changed' });
    app.post('/connections', (_request, reply) =>
      reply.code(503).header('content-type', 'application/problem+json').header('retry-after', '1').send(refused),
    );
    app.post('/down', (_request, reply) => reply.code(503).send({ status: 503, code: 'service_unavailable' }));
    const post = (url: string) =>
      app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${jwt({ iss: 'ws-a' })}` } });

    const redirected = await post('/connections?page=2');
    expect([redirected.statusCode, redirected.headers['location'], redirected.headers['retry-after']]).toEqual([
      307,
      'http://target:1/connections?page=2',
      undefined,
    ]);
    expect(redirected.body).toBe('');
    // Another 503 is left alone; so is the refusal while the workspace is still frozen, or no longer moving.
    expect((await post('/down')).statusCode).toBe(503);
    state = { key: 'ws-a', state: 'frozen', redirectUrl: null };
    expect((await post('/connections')).statusCode).toBe(503);
    state = undefined;
    const aborted = await post('/connections');
    expect([aborted.statusCode, aborted.headers['retry-after'], aborted.body]).toEqual([503, '1', refused]);
    await app.close();
  });
});

describe('moveRefusal', () => {
  it('answers the refusal 503 workspace_moving, to retry in a second, and nothing else', () => {
    const refused = moveRefusal({ driverError: { code: 'SB001' } });
    expect(refused).toMatchObject({ status: 503, code: 'workspace_moving', extras: { retryAfterSeconds: 1 } });
    expect(moveRefusal({ code: '23505' })).toBeUndefined();
  });
});
