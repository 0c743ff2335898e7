import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a receiver does with one request: answer with a status, or never answer. */
export type ReceiverReply = number | 'hang';

export interface ReceivedRequest {
  path: string;
  body: string;
  signature: string | undefined;
  contentType: string | undefined;
  /** Every header, as Node lowercases them. */
  headers: IncomingHttpHeaders;
  /** The parsed body. */
  event: { eventType: string; data: Record<string, unknown>; id: string; createdAt: string };
  status: ReceiverReply;
  /** When the whole request had arrived (Date.now(), ms). */
  receivedAt: number;
}

export interface WebhookReceiver {
  readonly url: string;
  /** Every request, in arrival order, whatever the reply. */
  readonly requests: ReceivedRequest[];
  /** The requests answered with a 2xx, in arrival order. */
  accepted(path?: string): ReceivedRequest[];
  /** Decides each reply; the default accepts everything. */
  reply: (request: Omit<ReceivedRequest, 'status' | 'receivedAt'>, index: number) => ReceiverReply;
  /** Closes the port and every connection: the receiver is down. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

/**
 * A webhook receiver on 127.0.0.1 for tests: records what it is sent and
 * replies as told, so a test can fail deliveries, take it down or make it hang.
 */
export async function webhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const header = request.headers['x-signature'];
      const seen = {
        path: request.url ?? '/',
        body,
        signature: Array.isArray(header) ? header[0] : header,
        contentType: request.headers['content-type'],
        headers: request.headers,
        event: JSON.parse(body) as ReceivedRequest['event'],
      };
      const status = receiver.reply(seen, requests.length);
      requests.push({ ...seen, status, receivedAt: Date.now() });
      if (status === 'hang') {
        hanging.add(response);
        response.on('close', () => hanging.delete(response));
        return;
      }
      response.writeHead(status).end();
    });
  };
  let server = createServer(handle);
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const port = await listen(0);
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}`,
    requests,
    accepted: (path) =>
      requests.filter(
        (request) =>
          typeof request.status === 'number' &&
          request.status >= 200 &&
          request.status < 300 &&
          (path === undefined || request.path === path),
      ),
    reply: () => 200,
    stop: async () => {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
    start: async () => {
      if (server.listening) return;
      server = createServer(handle);
      await listen(port);
    },
  };
  return receiver;
}
