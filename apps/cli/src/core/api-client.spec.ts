import { ApiClient, describeFailure, MAX_ANSWER_BYTES } from './api-client.js';
import { CliError, ExitCode } from './exit-codes.js';

/** An answer whose body is `chunks`, then (when `fail` is set) breaks off with that error. */
const answer = (status: number, chunks: Uint8Array[], fail?: Error): Response =>
  new Response(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else if (fail) controller.error(fail);
        else controller.close();
      },
    }),
    { status, headers: { 'content-type': 'application/json' } },
  );

const client = (response: () => Response) =>
  new ApiClient('http://hub.test', 'sbp_t', () => Promise.resolve(response()), 'the Hub');

const failureOf = async (promise: Promise<unknown>): Promise<CliError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected a CliError');
};

describe('ApiClient reading answers', () => {
  it('reads a JSON answer that arrives in pieces', async () => {
    const encoded = new TextEncoder().encode('{"items":[],"cursor":null}');
    const body = await client(() => answer(200, [encoded.slice(0, 5), encoded.slice(5)])).request('GET', '/orgs');
    expect(body).toEqual({ items: [], cursor: null });
  });

  it('is exit 7 naming the break when the body breaks off, not an empty answer', async () => {
    const failure = await failureOf(
      client(() => answer(200, [new TextEncoder().encode('{"id":')], new Error('socket hang up'))).request(
        'GET',
        '/org-workspaces/w1/move',
      ),
    );
    expect(failure.exitCode).toBe(ExitCode.ServerOrNetwork);
    expect(failure.message).toContain('could not be read: socket hang up');
  });

  it('is exit 7 and stops reading when the answer is larger than MAX_ANSWER_BYTES', async () => {
    const piece = new Uint8Array(4 * 1024 * 1024).fill(0x20);
    let served = 0;
    const endless = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            served += piece.byteLength;
            controller.enqueue(piece);
          },
        }),
        { status: 200 },
      );
    const failure = await failureOf(client(endless).request('GET', '/orgs'));
    expect(failure.exitCode).toBe(ExitCode.ServerOrNetwork);
    expect(failure.message).toContain(`larger than ${MAX_ANSWER_BYTES} bytes`);
    expect(served).toBeLessThanOrEqual(MAX_ANSWER_BYTES + 3 * piece.byteLength);
  });
});

describe('describeFailure', () => {
  it("shows the server's text with control and bidirectional formatting characters as ?", () => {
    const problem = {
      title: 'Conflict\u001b[2J',
      detail: 'The tenant "acme\u202egpj.exe" exists.\nrm -rf',
      errors: [{ field: 'name\u0007', message: 'is taken\u2066' }],
    };
    expect(describeFailure(409, problem, '').split('\n')).toEqual([
      'Conflict?[2J: The tenant "acme?gpj.exe" exists.?rm -rf',
      '  name?: is taken?',
    ]);
    expect(describeFailure(502, undefined, '<h1>bad\u001b]0;title\u0007</h1>')).toBe(
      'HTTP 502: <h1>bad?]0;title?</h1>',
    );
  });
});
