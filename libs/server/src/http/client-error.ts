import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

import { ErrorCode } from '../errors/error-code.js';
import type { Problem } from '../errors/problem-json.filter.js';

/**
 * Answers what Node's HTTP parser refuses before Fastify has a request (the
 * server's `clientError` event): headers too large (431), a timeout (408),
 * anything unparsable such as an unknown method (400), as problem+json, then
 * closes the socket as Node does. A reset socket gets nothing. For Fastify's
 * `clientErrorHandler` option (both services and the gateway).
 *
 * The 408 is what a request that did not fully arrive within the server's
 * `requestTimeout`/`headersTimeout` gets (requestTimeoutOptions): Node emits
 * `clientError` with `ERR_HTTP_REQUEST_TIMEOUT` for both, also while a route is
 * reading the body. As Node's own handler does, nothing is written when the
 * response in flight on the socket has sent its status line already (the
 * client would read it as part of that answer): the socket is only closed.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request line and headers exceed the size this server accepts.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request was not received in time.']
        : error.code === 'HPE_INVALID_METHOD'
          ? [400, 'The request names an HTTP method this server does not know.']
          : [400, 'The request is not valid HTTP.'];
  const title = STATUS_CODES[status] ?? 'Bad Request';
  const problem: Problem = { type: 'about:blank', title, status, detail, code: ErrorCode.MalformedRequest };
  const body = JSON.stringify(problem);
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (socket.writable && inFlight?.headersSent !== true) {
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * Answers a request whose `Expect` field asks for anything but `100-continue` (the server's
 * `checkExpectation` event): `417 Expectation Failed` (RFC 9110 §10.1.1) as problem+json, then closes the
 * connection (the body, if any, is not read). Without a listener Node answers it itself with an empty
 * chunked body. For `server.on('checkExpectation', …)` on the Hub, the instances and the gateway.
 */
export function answerUnmetExpectation(request: IncomingMessage, response: ServerResponse): void {
  const problem: Problem = {
    type: 'about:blank',
    title: 'Expectation Failed',
    status: 417,
    detail: 'The server meets no expectation but "100-continue" (the Expect field).',
    code: ErrorCode.MalformedRequest,
  };
  const body = JSON.stringify(problem);
  request.resume();
  response.writeHead(417, {
    connection: 'close',
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}
