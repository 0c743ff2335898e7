import type { FastifyReply } from 'fastify';

/** What the gateway itself answers with (RFC 9457), shaped as every Switchboard service's problems are; `extra` members (e.g. `errorId`) are added. */
export function sendProblem(
  reply: FastifyReply,
  status: number,
  code: string,
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'application/problem+json')
    .send(JSON.stringify({ type: 'about:blank', title, status, detail, code, ...extra }));
}
