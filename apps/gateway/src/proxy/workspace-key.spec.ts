import jwt from 'jsonwebtoken';

import { workspaceKeyOf } from './workspace-key.js';

const RANDOM = 'Ab_-'.repeat(10) + 'xyz';

describe('workspaceKeyOf', () => {
  it('reads iss, else workspaceKey, of a bearer JWT without verifying it', () => {
    expect(workspaceKeyOf({ authorization: `Bearer ${jwt.sign({ iss: 'acme-1' }, 'any')}` })).toEqual({
      workspaceKey: 'acme-1',
    });
    expect(workspaceKeyOf({ authorization: `bearer ${jwt.sign({ workspaceKey: 'acme-2' }, 'x')}` })).toEqual({
      workspaceKey: 'acme-2',
    });
    expect(
      workspaceKeyOf({ authorization: `Bearer ${jwt.sign({ iss: 'first', workspaceKey: 'second' }, 'x')}` }),
    ).toEqual({ workspaceKey: 'first' });
  });

  it('reads the workspace of an API key, as X-API-Key or as a bearer credential; the header wins', () => {
    const key = `sbk_acme-prod_${RANDOM}`;
    expect(RANDOM).toHaveLength(43);
    expect(workspaceKeyOf({ 'x-api-key': key })).toEqual({ workspaceKey: 'acme-prod' });
    expect(workspaceKeyOf({ authorization: `Bearer ${key}` })).toEqual({ workspaceKey: 'acme-prod' });
    // The random part may hold `_`: the workspace key is cut from the end.
    expect(workspaceKeyOf({ 'x-api-key': `sbk_a_b_${'_'.repeat(43)}` })).toEqual({ workspaceKey: 'a_b' });
    expect(workspaceKeyOf({ 'x-api-key': key, authorization: `Bearer ${jwt.sign({ iss: 'other' }, 'x')}` })).toEqual({
      workspaceKey: 'acme-prod',
    });
  });

  it('tells no credentials from unreadable ones', () => {
    expect(workspaceKeyOf({})).toEqual({ missing: 'no_credentials' });
    expect(workspaceKeyOf({ authorization: '' })).toEqual({ missing: 'no_credentials' });
    for (const headers of [
      { authorization: 'Basic dTpw' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer a.b' },
      { authorization: 'Bearer a.b.c.d' },
      { authorization: `Bearer x.${Buffer.from('not json').toString('base64url')}.y` },
      { authorization: `Bearer x.${Buffer.from('"a string"').toString('base64url')}.y` },
      { authorization: `Bearer x.${Buffer.from('{"iss":7}').toString('base64url')}.y` },
      { authorization: `Bearer x.${Buffer.from('{"iss":""}').toString('base64url')}.y` },
      { authorization: `Bearer x.${'a'.repeat(20_000)}.y` },
      { 'x-api-key': 'sbk_' },
      { 'x-api-key': `sbk__${RANDOM}` },
      { 'x-api-key': `sbk_acme${RANDOM}` },
      { 'x-api-key': `nope_acme_${RANDOM}` },
      { authorization: `Bearer sbk_acme_${RANDOM.slice(1)}!` },
    ]) {
      expect({ headers, result: workspaceKeyOf(headers) }).toEqual({
        headers,
        result: { missing: 'unreadable_credentials' },
      });
    }
  });

  it('answers a payload read before the same way, whatever the signature, and still refuses a malformed token', () => {
    const token = jwt.sign({ iss: 'cached-1' }, 'first secret');
    const [header, payload] = token.split('.');
    expect(workspaceKeyOf({ authorization: `Bearer ${token}` })).toEqual({ workspaceKey: 'cached-1' });
    expect(workspaceKeyOf({ authorization: `Bearer ${header}.${payload}.other-signature` })).toEqual({
      workspaceKey: 'cached-1',
    });
    // The structure is checked before the cache is asked.
    for (const malformed of [`${header}.${payload}`, `${token}.extra`, `${header}.${payload}.${payload}.x`]) {
      expect(workspaceKeyOf({ authorization: `Bearer ${malformed}` })).toEqual({ missing: 'unreadable_credentials' });
    }
    // An unreadable payload stays unreadable when asked again.
    const unreadable = `x.${Buffer.from('{"iss":7}').toString('base64url')}.y`;
    for (let i = 0; i < 2; i++) {
      expect(workspaceKeyOf({ authorization: `Bearer ${unreadable}` })).toEqual({ missing: 'unreadable_credentials' });
    }
  });
});
