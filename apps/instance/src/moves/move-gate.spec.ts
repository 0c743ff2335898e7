import type { IncomingMessage } from 'node:http';

import { workspaceKeyOfRequest } from './move-gate.js';
import { isMoveRefusal, moveRefusal } from './move-refusal.js';

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

describe('moveRefusal', () => {
  it('answers the refusal 503 workspace_moving, to retry in a second, and nothing else', () => {
    const refused = moveRefusal({ driverError: { code: 'SB001' } });
    expect(refused).toMatchObject({ status: 503, code: 'workspace_moving', extras: { retryAfterSeconds: 1 } });
    expect(moveRefusal({ code: '23505' })).toBeUndefined();
  });
});
