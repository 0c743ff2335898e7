import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { CliContext } from './core/context.js';
import { ExitCode } from './core/exit-codes.js';
import { run } from './program.js';

interface Recorded {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

/**
 * Runs the CLI in process against canned HTTP answers (one per request, in order). Waits take no time;
 * with `terminal`, stderr is a terminal and its status line is recorded.
 */
/** A canned answer that never comes: the request waits until its signal aborts it (a timeout). */
const NO_ANSWER = Symbol('no answer');

async function runCli(
  argv: string[],
  options: { answers?: (Response | Error | typeof NO_ANSWER)[]; env?: Record<string, string>; terminal?: boolean } = {},
) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const status: string[] = [];
  const requests: Recorded[] = [];
  const answers = [...(options.answers ?? [])];
  const context: CliContext = {
    env: { XDG_CONFIG_HOME: configHome, ...options.env },
    out: (text) => stdout.push(text),
    err: (text) => stderr.push(text),
    fetch: (url, init) => {
      const headers = init.headers as Record<string, string>;
      requests.push({
        method: init.method ?? 'GET',
        url,
        authorization: headers['authorization'],
        body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      });
      const answer = answers.shift();
      if (answer === undefined) return Promise.reject(new Error(`no canned answer for ${url}`));
      if (answer === NO_ANSWER) {
        return new Promise<Response>((_resolve, reject) =>
          init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)),
        );
      }
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
    readSecret: () => Promise.resolve('sbp_from_prompt'),
    sleep: () => Promise.resolve(),
    ...(options.terminal ? { status: (text: string) => void status.push(text) } : {}),
  };
  const code = await run(argv, context);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n'), status, requests };
}

const json = (status: number, body: unknown, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': type } });
const problem = (status: number, title: string, detail: string, extra: object = {}) =>
  json(status, { type: 'about:blank', title, status, detail, code: 'x', ...extra }, 'application/problem+json');

const loggedIn = { SWITCHBOARD_HUB_URL: 'http://hub.test/', SWITCHBOARD_TOKEN: 'sbp_env' };
let configHome: string;

beforeEach(() => {
  configHome = mkdtempSync(join(tmpdir(), 'sb-cli-program-'));
});
afterEach(() => rmSync(configHome, { recursive: true, force: true }));

describe('argument parsing', () => {
  it('prints help with the environment and exit codes, exit 0', async () => {
    const sut = await runCli(['--help']);
    expect(sut.code).toBe(ExitCode.Ok);
    expect(sut.stdout).toContain('SWITCHBOARD_TOKEN');
    expect(sut.stdout).toMatch(/5 {2}conflict \(409\)/);
  });

  it.each([
    [['no-such-command']],
    [['orgs', 'list', '--limit', '0']],
    [['orgs', 'list', '--limit', '1001']],
    [['orgs', 'list', '--limit', 'ten']],
    [['orgs', 'list', '--bogus']],
    [['orgs', 'get']],
    [['orgs', 'get', 'a', 'b']],
    [['workspaces', 'list']],
    [['workspaces', 'rotate-secret', 'w', '--grace-period', '-1']],
    [['workspaces', 'token', 'w', '--tenant-id', 'a', '--tenant-key', 'b']],
    [['tenants', 'list']],
    [['orgs', 'get', '..']],
  ])('%j is a usage error (exit 1) and sends nothing', async (argv) => {
    const sut = await runCli(argv, { env: loggedIn });
    expect(sut.code).toBe(ExitCode.Usage);
    expect(sut.stderr).toMatch(/error/);
    expect(sut.requests).toEqual([]);
  });

  it('is not authenticated (exit 2) without a login or the environment variables', async () => {
    const sut = await runCli(['orgs', 'list']);
    expect(sut.code).toBe(ExitCode.NotAuthenticated);
    expect(sut.stderr).toContain('switchboard login');
    expect(sut.requests).toEqual([]);
  });

  it('sends --limit and --cursor with the token from the environment, and encodes ids', async () => {
    const page = await runCli(['orgs', 'list', '--limit', '5', '--cursor', 'abc', '--json'], {
      env: loggedIn,
      answers: [json(200, { items: [], cursor: null })],
    });
    expect(page.code).toBe(ExitCode.Ok);
    expect(page.requests).toEqual([
      {
        method: 'GET',
        url: 'http://hub.test/orgs?limit=5&cursor=abc',
        authorization: 'Bearer sbp_env',
        body: undefined,
      },
    ]);
    const get = await runCli(['orgs', 'get', 'x/../../users/me?y'], { env: loggedIn, answers: [json(200, {})] });
    expect(get.requests[0]?.url).toBe('http://hub.test/orgs/x%2F..%2F..%2Fusers%2Fme%3Fy');
  });

  it('builds the bodies of workspace commands from their options', async () => {
    const token = await runCli(['workspaces', 'token', 'w1', '--tenant-key', 'cust-1', '--expires-in', '60'], {
      env: loggedIn,
      answers: [json(200, { token: 't', expiresAt: 'x' })],
    });
    expect(token.requests[0]).toMatchObject({
      method: 'POST',
      url: 'http://hub.test/org-workspaces/w1/access-token',
      body: { tenantKey: 'cust-1', expiresIn: 60 },
    });
    const admin = await runCli(['workspaces', 'token', 'w1'], { env: loggedIn, answers: [json(200, {})] });
    expect(admin.requests[0]?.body).toEqual({ isAdmin: true });
    const list = await runCli(['workspaces', 'list', '--org', 'o1', '--include-archived', '--json'], {
      env: loggedIn,
      answers: [json(200, { items: [], cursor: null })],
    });
    expect(list.requests[0]?.url).toBe('http://hub.test/org-workspaces?orgId=o1&includeArchived=true');
    const rotate = await runCli(['workspaces', 'rotate-secret', 'w1', '--grace-period', '0'], {
      env: loggedIn,
      answers: [json(200, {})],
    });
    expect(rotate.requests[0]?.body).toEqual({ gracePeriodSeconds: 0 });
  });
});

describe('pages', () => {
  it('--all follows the cursor and prints { items, cursor: null }', async () => {
    const sut = await runCli(['orgs', 'list', '--all', '--limit', '1', '--json'], {
      env: loggedIn,
      answers: [json(200, { items: [{ id: 'a' }], cursor: 'c1' }), json(200, { items: [{ id: 'b' }], cursor: null })],
    });
    expect(sut.code).toBe(ExitCode.Ok);
    expect(JSON.parse(sut.stdout)).toEqual({ items: [{ id: 'a' }, { id: 'b' }], cursor: null });
    expect(sut.requests.map((request) => request.url)).toEqual([
      'http://hub.test/orgs?limit=1',
      'http://hub.test/orgs?limit=1&cursor=c1',
    ]);
  });

  it('prints a table, and how to get the next page on stderr', async () => {
    const sut = await runCli(['orgs', 'list'], {
      env: loggedIn,
      answers: [json(200, { items: [{ id: 'o1', name: 'Acme', role: 'owner', createdAt: 'T' }], cursor: 'next' })],
    });
    expect(sut.stdout.split('\n')).toEqual(['ID  NAME  ROLE   CREATED', 'o1  Acme  owner  T']);
    expect(sut.stderr).toContain('--cursor next');
  });

  it('stops with exit 7 when --all is handed back a cursor it had before (a → b → a would loop for ever)', async () => {
    const sut = await runCli(['orgs', 'list', '--all', '--json'], {
      env: loggedIn,
      answers: [
        json(200, { items: [{ id: 'a' }], cursor: 'c1' }),
        json(200, { items: [{ id: 'b' }], cursor: 'c2' }),
        json(200, { items: [{ id: 'c' }], cursor: 'c1' }),
        json(200, { items: [{ id: 'd' }], cursor: 'c2' }),
      ],
    });
    expect(sut.code).toBe(ExitCode.ServerOrNetwork);
    expect(sut.stderr).toContain('returned a cursor it had returned before');
    expect(sut.requests).toHaveLength(3);
  });

  it('is a server error (exit 7) when a list does not answer with a page', async () => {
    const sut = await runCli(['orgs', 'list'], { env: loggedIn, answers: [json(200, [1, 2])] });
    expect(sut.code).toBe(ExitCode.ServerOrNetwork);
  });
});

describe('failures', () => {
  it.each([
    [401, ExitCode.NotAuthenticated],
    [403, ExitCode.Forbidden],
    [404, ExitCode.NotFound],
    [409, ExitCode.Conflict],
    [429, ExitCode.OtherClientError],
    [500, ExitCode.ServerOrNetwork],
    [503, ExitCode.ServerOrNetwork],
  ])('a %i problem exits %i and prints its title and detail', async (status, code) => {
    const sut = await runCli(['orgs', 'get', 'o1'], {
      env: loggedIn,
      answers: [problem(status, 'Some Title', 'Some detail.')],
    });
    expect(sut.code).toBe(code);
    expect(sut.stderr).toBe('error: Some Title: Some detail.');
    expect(sut.stdout).toBe('');
  });

  it('prints the field errors of a validation problem (exit 6)', async () => {
    const sut = await runCli(['orgs', 'create', 'x'], {
      env: loggedIn,
      answers: [
        problem(400, 'Validation failed', 'name: too long', { errors: [{ field: 'name', message: 'too long' }] }),
      ],
    });
    expect(sut.code).toBe(ExitCode.OtherClientError);
    expect(sut.stderr).toBe('error: Validation failed: name: too long\n  name: too long');
  });

  it('names the status of an answer that is not a problem (a proxy), exit 7', async () => {
    const sut = await runCli(['orgs', 'get', 'o1'], {
      env: loggedIn,
      answers: [new Response('<html>Bad gateway</html>', { status: 502 })],
    });
    expect(sut.code).toBe(ExitCode.ServerOrNetwork);
    expect(sut.stderr).toBe('error: HTTP 502: <html>Bad gateway</html>');
  });

  it('is a network error (exit 7) when the Hub cannot be reached', async () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) });
    const sut = await runCli(['orgs', 'list'], { env: loggedIn, answers: [refused] });
    expect(sut.code).toBe(ExitCode.ServerOrNetwork);
    expect(sut.stderr).toBe('error: Cannot reach the Hub (http://hub.test): ECONNREFUSED');
  });

  it('gives up on an answer after --timeout seconds, else SWITCHBOARD_TIMEOUT, exit 7', async () => {
    const byOption = await runCli(['--timeout', '0.05', 'orgs', 'list'], { env: loggedIn, answers: [NO_ANSWER] });
    expect(byOption.code).toBe(ExitCode.ServerOrNetwork);
    expect(byOption.stderr).toBe('error: Cannot reach the Hub (http://hub.test): no answer in 0.05 s');
    const byEnvironment = await runCli(['orgs', 'list'], {
      env: { ...loggedIn, SWITCHBOARD_TIMEOUT: '0.05' },
      answers: [NO_ANSWER],
    });
    expect(byEnvironment.stderr).toBe('error: Cannot reach the Hub (http://hub.test): no answer in 0.05 s');
    // The option wins over the variable.
    const both = await runCli(['--timeout', '0.04', 'orgs', 'list'], {
      env: { ...loggedIn, SWITCHBOARD_TIMEOUT: '600' },
      answers: [NO_ANSWER],
    });
    expect(both.stderr).toBe('error: Cannot reach the Hub (http://hub.test): no answer in 0.04 s');
  });

  it.each([['0'], ['-1'], ['ten'], ['3601'], ['1e3'], ['0.0001']])(
    'refuses --timeout %s as a usage error (exit 1), sending nothing',
    async (value) => {
      const sut = await runCli(['--timeout', value, 'orgs', 'list'], { env: loggedIn });
      expect(sut.code).toBe(ExitCode.Usage);
      expect(sut.requests).toHaveLength(0);
    },
  );

  it('refuses a SWITCHBOARD_TIMEOUT that is not a timeout as a usage error naming it (exit 1)', async () => {
    const sut = await runCli(['orgs', 'list'], { env: { ...loggedIn, SWITCHBOARD_TIMEOUT: 'forever' } });
    expect(sut.code).toBe(ExitCode.Usage);
    expect(sut.stderr).toBe(
      'error: SWITCHBOARD_TIMEOUT "forever" must be a number of seconds greater than 0 and at most 3600.',
    );
    expect(sut.requests).toHaveLength(0);
  });
});

describe('login', () => {
  it('verifies the prompted token and stores it; a refused token stores nothing (exit 2)', async () => {
    const refused = await runCli(['login', '--hub-url', 'http://hub.test'], {
      answers: [problem(401, 'Unauthorized', 'The token is not valid.')],
    });
    expect(refused.code).toBe(ExitCode.NotAuthenticated);
    expect((await runCli(['orgs', 'list'])).code).toBe(ExitCode.NotAuthenticated);

    const sut = await runCli(['login', '--hub-url', 'http://hub.test'], {
      answers: [json(200, { id: 'u1', email: 'a@example.test' })],
    });
    expect(sut.code).toBe(ExitCode.Ok);
    expect(sut.requests[0]).toMatchObject({ url: 'http://hub.test/users/me', authorization: 'Bearer sbp_from_prompt' });
    expect(sut.stdout).toBe('Logged in to http://hub.test as a@example.test.');

    const after = await runCli(['orgs', 'list', '--json'], { answers: [json(200, { items: [], cursor: null })] });
    expect(after.requests[0]).toMatchObject({ url: 'http://hub.test/orgs', authorization: 'Bearer sbp_from_prompt' });
    expect((await runCli(['logout'])).code).toBe(ExitCode.Ok);
    expect((await runCli(['orgs', 'list'])).code).toBe(ExitCode.NotAuthenticated);
  });

  it('refuses a Hub URL that is not http(s) as a usage error', async () => {
    const sut = await runCli(['login', '--hub-url', 'ftp://hub.test', '--token', 't']);
    expect(sut.code).toBe(ExitCode.Usage);
    expect(sut.requests).toEqual([]);
  });
});

describe('universe', () => {
  it('builds create and update bodies from --definition given inline or as @file, and encodes the key', async () => {
    const file = join(configHome, 'definition.json');
    writeFileSync(file, '{"auth":{"type":"oauth2"}}');
    const created = await runCli(
      ['universe', 'create', 'connectors', '--key', 'k1', '--name', 'K', '--definition', `@${file}`],
      { env: loggedIn, answers: [json(201, { key: 'k1' })] },
    );
    expect(created.code).toBe(ExitCode.Ok);
    expect(created.requests[0]).toMatchObject({
      method: 'POST',
      url: 'http://hub.test/universe/connectors',
      body: { key: 'k1', name: 'K', definition: { auth: { type: 'oauth2' } } },
    });
    const updated = await runCli(['universe', 'update', 'flows', 'a/b', '--definition', '{"x":1}'], {
      env: loggedIn,
      answers: [json(200, { key: 'a/b' })],
    });
    expect(updated.requests[0]).toMatchObject({
      method: 'PUT',
      url: 'http://hub.test/universe/flows/a%2Fb',
      body: { definition: { x: 1 } },
    });
  });

  it('refuses a definition that is not a JSON object, a missing file and an unknown type as usage errors (exit 1)', async () => {
    for (const definition of ['{nope', '[1]', 'null', `@${join(configHome, 'missing.json')}`]) {
      const sut = await runCli(['universe', 'update', 'flows', 'k', '--definition', definition], { env: loggedIn });
      expect({ definition, code: sut.code, requests: sut.requests }).toEqual({ definition, code: 1, requests: [] });
      expect(sut.stderr).toContain('--definition');
    }
    const unknown = await runCli(['universe', 'list', 'widgets'], { env: loggedIn });
    expect(unknown.code).toBe(ExitCode.Usage);
    expect(unknown.stderr).toContain('connectors');
  });

  it('archive prints the element as it now is (DELETE answers 204)', async () => {
    const sut = await runCli(['universe', 'archive', 'actions', 'k', '--json'], {
      env: loggedIn,
      answers: [new Response(null, { status: 204 }), json(200, { key: 'k', archivedAt: '2026-01-01T00:00:00.000Z' })],
    });
    expect(sut.code).toBe(ExitCode.Ok);
    expect(sut.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'DELETE http://hub.test/universe/actions/k',
      'GET http://hub.test/universe/actions/k',
    ]);
    expect(JSON.parse(sut.stdout)).toEqual({ key: 'k', archivedAt: '2026-01-01T00:00:00.000Z' });
  });
});

describe('workspaces move', () => {
  const move = (state: string, rowsCopied: number, extra: object = {}) => ({
    id: 'm1',
    fromInstanceId: 'instance-a',
    toInstanceId: 'instance-b',
    state,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: null,
    rowsCopied,
    writePauseMs: null,
    error: null,
    ...extra,
  });

  it('starts the move, follows it with a line per state on stderr, and prints where it ended (exit 0)', async () => {
    const done = move('done', 120, { writePauseMs: 12, finishedAt: '2026-01-01T00:00:09.000Z' });
    const sut = await runCli(['workspaces', 'move', 'w1', '--to', 'instance-b', '--json'], {
      env: loggedIn,
      answers: [
        json(202, move('copying', 0)),
        json(200, move('copying', 50)),
        json(200, move('catching_up', 100)),
        json(200, move('catching_up', 110, { error: 'instance-b: timeout' })),
        json(200, move('cutover', 120)),
        json(200, done),
      ],
    });
    expect(sut.code).toBe(ExitCode.Ok);
    expect(sut.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST http://hub.test/org-workspaces/w1/move',
      ...Array.from({ length: 5 }, () => 'GET http://hub.test/org-workspaces/w1/move'),
    ]);
    expect(sut.requests[0]?.body).toEqual({ instanceId: 'instance-b' });
    expect(JSON.parse(sut.stdout)).toEqual(done);
    // Not a terminal: the second `copying` (rows copied only) is no new line; a retried step's error is.
    expect(sut.stderr.split('\n')).toEqual([
      'Move m1 instance-a -> instance-b: copying, 0 rows copied',
      'Move m1 instance-a -> instance-b: catching_up, 100 rows copied',
      'Move m1 instance-a -> instance-b: catching_up, 110 rows copied (retrying: instance-b: timeout)',
      'Move m1 instance-a -> instance-b: cutover, 120 rows copied',
      'Move m1 instance-a -> instance-b: done, 120 rows copied, writes held 12 ms',
    ]);
  });

  it('on a terminal, shows what changes within a state on the status line, and clears it', async () => {
    const sut = await runCli(['workspaces', 'move', 'w1', '--to', 'instance-b'], {
      env: loggedIn,
      terminal: true,
      answers: [json(202, move('copying', 0)), json(200, move('copying', 7)), json(200, move('done', 9))],
    });
    expect(sut.code).toBe(ExitCode.Ok);
    expect(sut.status).toEqual(['Move m1 instance-a -> instance-b: copying, 7 rows copied', '']);
    expect(sut.stderr.split('\n')).toHaveLength(2);
    expect(sut.stdout).toMatch(/^FIELD +VALUE\n/);
  });

  it.each([
    ['failed', ExitCode.Failed, 'error: The move failed: tallies differ'],
    ['aborted', ExitCode.Aborted, 'error: The move was aborted; the workspace stays on instance-a.'],
  ])('a move that ends %s exits %i, the move on stdout', async (state, code, message) => {
    const ended = move(state, 3, { error: state === 'failed' ? 'tallies differ' : null });
    const sut = await runCli(['workspaces', 'move', 'w1', '--to', 'instance-b', '--json'], {
      env: loggedIn,
      answers: [json(202, move('copying', 0)), json(200, ended)],
    });
    expect(sut.code).toBe(code);
    expect(JSON.parse(sut.stdout)).toEqual(ended);
    expect(sut.stderr.split('\n').pop()).toBe(message);
  });

  it('--no-wait prints the move as started; move-status reads it; move-abort aborts it', async () => {
    const started = await runCli(['workspaces', 'move', 'w1', '--to', 'instance-b', '--no-wait', '--json'], {
      env: loggedIn,
      answers: [json(202, move('copying', 0))],
    });
    expect(started.code).toBe(ExitCode.Ok);
    expect(started.requests).toHaveLength(1);
    expect(JSON.parse(started.stdout)).toEqual(move('copying', 0));
    expect(started.stderr).toBe('');

    const status = await runCli(['workspaces', 'move-status', 'w1', '--json'], {
      env: loggedIn,
      answers: [json(200, move('failed', 0))],
    });
    expect(status.code).toBe(ExitCode.Ok);
    const waited = await runCli(['workspaces', 'move-status', 'w1', '--wait'], {
      env: loggedIn,
      answers: [json(200, move('failed', 0))],
    });
    expect(waited.code).toBe(ExitCode.Failed);

    const aborted = await runCli(['workspaces', 'move-abort', 'w1', '--json'], {
      env: loggedIn,
      answers: [json(200, move('aborted', 0))],
    });
    expect(aborted.code).toBe(ExitCode.Ok);
    expect(aborted.requests[0]).toMatchObject({ method: 'POST', url: 'http://hub.test/org-workspaces/w1/move/abort' });
  });

  it('is exit 7 when the Hub answers with another move, or with something that is not a move', async () => {
    const other = await runCli(['workspaces', 'move', 'w1', '--to', 'instance-b'], {
      env: loggedIn,
      answers: [json(202, move('copying', 0)), json(200, { ...move('copying', 0), id: 'm2' })],
    });
    expect(other.code).toBe(ExitCode.ServerOrNetwork);
    expect(other.stderr).toContain('move-status');
    const garbage = await runCli(['workspaces', 'move', 'w1', '--to', 'instance-b'], {
      env: loggedIn,
      answers: [json(202, { id: 'm1', state: 'teleporting' })],
    });
    expect(garbage.code).toBe(ExitCode.ServerOrNetwork);
  });

  it('needs --to (exit 1, nothing sent)', async () => {
    const sut = await runCli(['workspaces', 'move', 'w1'], { env: loggedIn });
    expect(sut.code).toBe(ExitCode.Usage);
    expect(sut.requests).toEqual([]);
  });
});

describe('instances drain', () => {
  const instance = (workspaceCount: number, drain: object | null) => ({
    id: 'instance-a',
    name: 'A',
    status: 'up',
    workspaceCount,
    acceptsNewWorkspaces: false,
    apiUrl: 'http://a.test',
    lastSeenAt: 'T',
    universeVersion: 0,
    drain,
  });
  const page = (...items: object[]) => json(200, { items, cursor: null });

  it('starts the drain and follows GET /instances until no workspace is left (exit 0)', async () => {
    const drained = instance(0, { state: 'drained', remaining: 0 });
    const sut = await runCli(['instances', 'drain', 'instance-a', '--json'], {
      env: loggedIn,
      answers: [
        json(202, { instanceId: 'instance-a', started: 2 }),
        page(instance(2, { state: 'draining', remaining: 2 })),
        page(instance(1, { state: 'draining', remaining: 1 })),
        page(instance(1, { state: 'draining', remaining: 1 })),
        page(drained),
      ],
    });
    expect(sut.code).toBe(ExitCode.Ok);
    expect(sut.requests[0]).toMatchObject({ method: 'POST', url: 'http://hub.test/instances/instance-a/drain' });
    expect(JSON.parse(sut.stdout)).toEqual(drained);
    expect(sut.stderr.split('\n')).toEqual([
      'Draining instance-a: 2 moves started.',
      'instance-a: draining, 2 workspaces left',
      'instance-a: draining, 1 workspace left',
      'instance-a: drained, 0 workspaces left',
    ]);
  });

  it('a drain that stalls is exit 8; one that had nothing to move is drained at once; --no-wait does not follow', async () => {
    const stalled = await runCli(['instances', 'drain', 'instance-a'], {
      env: loggedIn,
      answers: [
        json(202, { instanceId: 'instance-a', started: 1 }),
        page(instance(1, { state: 'stalled', remaining: 1 })),
      ],
    });
    expect(stalled.code).toBe(ExitCode.Failed);
    expect(stalled.stderr).toContain('stalled');
    const empty = await runCli(['instances', 'drain', 'instance-a'], {
      env: loggedIn,
      answers: [json(202, { instanceId: 'instance-a', started: 0 }), page(instance(0, null))],
    });
    expect(empty.code).toBe(ExitCode.Ok);
    const started = await runCli(['instances', 'drain', 'instance-a', '--no-wait', '--json'], {
      env: loggedIn,
      answers: [json(202, { instanceId: 'instance-a', started: 3 })],
    });
    expect(started.code).toBe(ExitCode.Ok);
    expect(JSON.parse(started.stdout)).toEqual({ instanceId: 'instance-a', started: 3 });
    expect(started.requests).toHaveLength(1);
  });

  it('a Hub that answers something else than a drain or an instance is exit 7 at once, not a stack trace or a loop', async () => {
    for (const argv of [['--no-wait', '--json'], []]) {
      const notADrain = await runCli(['instances', 'drain', 'instance-a', ...argv], {
        env: loggedIn,
        answers: [json(202, null)],
      });
      expect({ argv, code: notADrain.code }).toEqual({ argv, code: ExitCode.ServerOrNetwork });
      expect(notADrain.stderr).toContain('did not answer with a drain');
      expect(notADrain.stderr).not.toContain('TypeError');
      expect(notADrain.stdout).toBe('');
    }
    for (const listed of [
      instance(1, { state: 'paused', remaining: 1 }),
      { ...instance(1, null), workspaceCount: '1' },
    ]) {
      const odd = await runCli(['instances', 'drain', 'instance-a'], {
        env: loggedIn,
        // More pages than it may read: an answer it cannot tell the end of must not be polled again.
        answers: [json(202, { instanceId: 'instance-a', started: 1 }), page(listed), page(listed), page(listed)],
      });
      expect({ listed, code: odd.code, requests: odd.requests.length }).toEqual({
        listed,
        code: ExitCode.ServerOrNetwork,
        requests: 2,
      });
      expect(odd.stderr).toContain('did not answer with an instance');
    }
  });
});
