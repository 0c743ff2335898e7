import { CliError, ExitCode, exitCodeForStatus } from './exit-codes.js';
import { showable } from './table.js';

/** The `fetch` the client calls: the global one, or a test's. */
export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
}

/** A problem+json body (RFC 9457) as the Hub and instances send it; every member optional, since a proxy may answer instead. */
interface Problem {
  title?: unknown;
  detail?: unknown;
  code?: unknown;
  errors?: unknown;
}

/** How long a request waits for its answer, body included, unless `--timeout` or SWITCHBOARD_TIMEOUT say otherwise. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** The largest answer read (a page holds at most 1,000 items): past it the answer is refused, not held in memory. */
export const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/**
 * JSON over HTTP to one service (the Hub, or a workspace's instance) with a bearer token.
 * Path segments are the caller's to encode (`segment()`), so an id typed on the command line can
 * never change the route. Every failure is a CliError: a non-2xx answer carries the problem's
 * `title` and `detail` and the exit code of its status; a network failure or timeout (`timeoutMs`,
 * 30 s unless given; the answer's body included), an answer cut short or one over MAX_ANSWER_BYTES is exit code 7.
 */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    private readonly fetchFn: Fetch,
    /** Names the service in network errors: "the Hub", "the instance at …". */
    private readonly label: string,
    /** How long each request may take, its answer's body included, in milliseconds. */
    private readonly timeoutMs: number = DEFAULT_TIMEOUT_MS,
  ) {}

  async request(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    const url = new URL(this.baseUrl.replace(/\/+$/, '') + path);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    let response: Response;
    try {
      response = await this.fetchFn(url.toString(), {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept: 'application/json, application/problem+json',
          ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new CliError(
        ExitCode.ServerOrNetwork,
        `Cannot reach ${this.label} (${this.baseUrl}): ${reason(error, this.timeoutMs)}`,
      );
    }
    const text = await readText(response, MAX_ANSWER_BYTES).catch((error: unknown) => {
      throw new CliError(
        ExitCode.ServerOrNetwork,
        `${this.label} (${this.baseUrl}) answered ${response.status}, but its body could not be read: ${reason(error, this.timeoutMs)}`,
      );
    });
    const body = parseJson(text);
    if (response.ok) {
      if (text !== '' && body === undefined) {
        throw new CliError(
          ExitCode.ServerOrNetwork,
          `${this.label} answered ${response.status} with a body that is not JSON: ${snippet(text)}`,
        );
      }
      return body;
    }
    throw new CliError(exitCodeForStatus(response.status), describeFailure(response.status, body, text));
  }
}

/**
 * One path segment, percent-encoded, so that `/`, `?` or `#` in an id stay inside it. `.` and `..`
 * (which URLs resolve as dot segments even when percent-encoded) and the empty string name no
 * resource: a usage error.
 */
export function segment(value: string): string {
  if (value === '' || value === '.' || value === '..') {
    throw new CliError(ExitCode.Usage, `${JSON.stringify(value)} is not an id.`);
  }
  return encodeURIComponent(value);
}

/**
 * `Title: detail`, then one line per field error; a body that is not a problem is named by its status.
 * Each piece of the server's text is `showable` (a name in a detail cannot drive the terminal).
 */
export function describeFailure(status: number, body: unknown, text: string): string {
  const problem = (typeof body === 'object' && body !== null ? body : {}) as Problem;
  const title = typeof problem.title === 'string' ? showable(problem.title) : undefined;
  const detail = typeof problem.detail === 'string' ? showable(problem.detail) : undefined;
  if (title === undefined && detail === undefined) {
    return `HTTP ${status}${text ? `: ${snippet(text)}` : ''}`;
  }
  const lines = [[title, detail].filter(Boolean).join(': ')];
  if (Array.isArray(problem.errors)) {
    for (const entry of problem.errors as unknown[]) {
      const { field, message } = (entry ?? {}) as { field?: unknown; message?: unknown };
      if (typeof message === 'string') {
        lines.push(`  ${typeof field === 'string' ? `${showable(field)}: ` : ''}${showable(message)}`);
      }
    }
  }
  return lines.join('\n');
}

/** The body as UTF-8 text. @throws Error when it breaks off, times out or exceeds `limit` bytes (then cancelled). */
async function readText(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    // fetch's body is a stream of bytes (Fetch standard, "body"); the DOM typings leave its chunks `any`.
    const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
    if (done || value === undefined) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`it is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function snippet(text: string): string {
  const flat = showable(text.replace(/\s+/g, ' ').trim());
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

function reason(error: unknown, timeoutMs: number): string {
  // AbortSignal.timeout's reason is a DOMException named TimeoutError (not always an Error of this realm).
  if (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TimeoutError') {
    return `no answer in ${timeoutMs / 1000} s`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
