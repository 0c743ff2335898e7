import { endToEndFields, withoutHopByHop } from './hop-by-hop.js';

/** An instance's answer as undici gives it: lower-case names, hop-by-hop fields among them. */
const answer = () => ({
  'content-type': 'application/json',
  'content-length': '12',
  'set-cookie': ['a=1', 'b=2'],
  connection: 'keep-alive, X-Upstream-Private',
  'keep-alive': 'timeout=72',
  'transfer-encoding': 'chunked',
  'x-upstream-private': 'secret',
  'x-correlation-id': 'c1',
});

describe('hop-by-hop fields', () => {
  it('endToEndFields keeps the end-to-end fields in a new object and leaves the answer as it was', () => {
    const headers = answer();
    const sut = endToEndFields(headers);
    expect(sut).toEqual({
      'content-type': 'application/json',
      'content-length': '12',
      'set-cookie': ['a=1', 'b=2'],
      'x-correlation-id': 'c1',
    });
    expect(sut).not.toBe(headers);
    expect(headers).toEqual(answer());
  });

  it('withoutHopByHop removes the same fields from the object itself', () => {
    const headers = answer();
    expect(withoutHopByHop(headers)).toBe(headers);
    expect(headers).toEqual(endToEndFields(answer()));
    expect(withoutHopByHop({ te: 'trailers', upgrade: 'h2c', host: 'x' })).toEqual({ host: 'x' });
  });
});
