/** An RFC 9457 problem as the Hub and instances answer failures (application/problem+json). */
export interface Problem {
  status: number;
  title: string;
  detail?: string;
}

/** A failed request, carrying the problem the server answered (or one made up for a network failure). */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.title}${problem.detail ? `: ${problem.detail}` : ''}`);
  }
}

/** One page of a list: every list of the Hub and instances answers `{ items, cursor }` (cursor null: the last page). */
export interface Page<T> {
  items: T[];
  cursor: string | null;
}

export type Query = Record<string, string | number | boolean | undefined>;

/**
 * JSON over fetch with a bearer token, against `baseUrl` ('' = the Hub, same origin).
 * @throws ProblemError with the server's `title` and `detail`, or status 0 when the server could not be reached
 * (which, for an instance, is usually CORS: its workspace does not allow this console's origin).
 */
export async function request<T>(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  options: { query?: Query; body?: unknown } = {},
): Promise<T> {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const search = params.size > 0 ? `?${params.toString()}` : '';
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}${search}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ProblemError({
      status: 0,
      title: 'Network error',
      detail: `${baseUrl || 'The Hub'} could not be reached${baseUrl ? ' (or it does not allow this origin: CORS)' : ''}.`,
    });
  }
  const text = await response.text();
  const body: unknown = text ? safeJson(text) : undefined;
  if (!response.ok) {
    const problem = body as Partial<Problem> | undefined;
    throw new ProblemError({
      status: response.status,
      title: typeof problem?.title === 'string' ? problem.title : `HTTP ${response.status}`,
      detail: typeof problem?.detail === 'string' ? problem.detail : undefined,
    });
  }
  return body as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A path segment, encoded. */
export const seg = (value: string): string => encodeURIComponent(value);
