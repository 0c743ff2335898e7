export interface RequestOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** `fetch` against one service, with a bearer token and a JSON body: what every API test does. */
export type HttpRequest = (method: string, path: string, options?: RequestOptions) => Promise<Response>;

export function httpClient(baseUrl: string): HttpRequest {
  return (method, path, options = {}) =>
    fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
}
