import { Writable } from 'node:stream';

import { context, SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { startTracing, type Tracing, withCorrelationId } from '@switchboard/server';
import { waitFor } from '@switchboard/testing';
import jwt from 'jsonwebtoken';

import { type HubHarness, startHub, TEST_ENCRYPTION_KEYS } from '../../apps/hub/test/hub-harness.js';
import { type InstanceHarness, startInstance } from '../../apps/instance/test/instance-harness.js';
import { LoggingModule, ROOT_LOGGER, type RootLogger } from '../../libs/server/src/logging/logging.module.js';

const KIND = ['internal', 'server', 'client', 'producer', 'consumer'];

/** The spans of one trace as an indented tree, one line each, for the test output (and a note to quote). */
function spanTree(spans: ReadableSpan[], databases: Record<string, string>): string {
  const ids = new Set(spans.map((span) => span.spanContext().spanId));
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const span of spans) {
    const parentId = span.parentSpanContext?.spanId;
    const key = parentId !== undefined && ids.has(parentId) ? parentId : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const lines: string[] = [];
  const walk = (parentId: string | undefined, depth: number) => {
    const sorted = (children.get(parentId) ?? []).sort(
      (a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1],
    );
    for (const span of sorted) {
      const named = span.attributes['db.namespace'] ?? span.attributes['db.name'];
      const database = typeof named === 'string' ? named : '';
      const where = database ? ` db=${databases[database] ?? database}` : '';
      const text = span.attributes['db.query.text'] ?? span.attributes['db.statement'];
      const statement = typeof text === 'string' ? ` "${text.replace(/\s+/g, ' ').slice(0, 60)}"` : '';
      lines.push(
        `${'  '.repeat(depth)}${span.name} [${KIND[span.kind]}] span=${span.spanContext().spanId}${where}${statement}`,
      );
      walk(span.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return `trace ${spans[0]?.spanContext().traceId}\n${lines.join('\n')}`;
}

/**
 * Traces across the services, with an in-memory exporter: a configuration
 * change goes Hub → NATS → instance → Postgres as one trace (the Hub's
 * delivery span, its NATS request, the instance's handling of it and its
 * statements, linked parent to child through the message's `traceparent`
 * header), and a tenant request continues the caller's `traceparent`.
 */
describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let hub: HubHarness;
  let instance: InstanceHarness;
  let databases: Record<string, string>;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await hub.request(method, path, { token: hub.adminToken, body });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text);
  };

  beforeAll(async () => {
    // No OTEL_* variables: only the test's processor, exporting each span as it ends.
    tracing = startTracing({
      serviceName: 'switchboard-test',
      env: {},
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    hub = await startHub({ HUB_INSTANCE_DOWN_AFTER_MS: '600000' });
    instance = await startInstance({
      INSTANCE_ID: 'traced',
      NATS_NAMESPACE: hub.namespace,
      ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    });
    databases = { [hub.database.name]: 'hub', [instance.database.name]: 'instance' };
    await waitFor(
      async () => {
        const { items } = (await api('GET', '/instances')) as { items: { id: string; keyIds: unknown }[] };
        return items.find((item) => item.id === 'traced' && item.keyIds !== null);
      },
      { what: 'the instance to register' },
    );
  });

  afterAll(async () => {
    await instance?.close();
    await hub?.close();
    await tracing?.shutdown();
  });

  it('follows a configuration change from the Hub over NATS into the instance and its Postgres, as one trace', async () => {
    const org = await api('POST', '/orgs', { name: 'Traced' });
    const { id } = await api('POST', '/org-workspaces', { orgId: org.id, name: 'Traced', instanceId: 'traced' });
    await api('PATCH', `/org-workspaces/${id}`, { name: 'Traced again' });
    await waitFor(
      async () => ((await api('GET', `/org-workspaces/${id}`)).sync.state === 'synced' ? true : undefined),
      { what: 'the change to sync' },
    );
    const spans = () => exporter.getFinishedSpans();
    // The instance's handling of the apply request, with a Postgres statement under it.
    const handled = await waitFor(
      () =>
        spans().find(
          (span) =>
            span.name.startsWith('process ') &&
            span.name.endsWith('.workspaces.apply') &&
            spans().some(
              (child) =>
                child.spanContext().traceId === span.spanContext().traceId &&
                child.attributes['db.namespace'] === instance.database.name,
            ),
        ),
      { what: 'a traced delivery' },
    );
    const traceId = handled.spanContext().traceId;
    const trace = spans().filter((span) => span.spanContext().traceId === traceId);
    console.log(spanTree(trace, databases));

    const byId = new Map(trace.map((span) => [span.spanContext().spanId, span]));
    const parentOf = (span: ReadableSpan) => byId.get(span.parentSpanContext?.spanId ?? '');
    // Instance side: a SERVER span whose parent is the Hub's CLIENT span, sent through NATS headers.
    expect(handled.kind).toBe(SpanKind.SERVER);
    const sent = parentOf(handled);
    expect(sent).toMatchObject({ kind: SpanKind.CLIENT, name: expect.stringMatching(/^send .*\.workspaces\.apply$/) });
    expect(sent && parentOf(sent)).toMatchObject({ name: 'deliver workspace snapshot' });
    // Postgres on both sides, in the same trace: the instance's statements under its handling of the message.
    const underHandled = (span: ReadableSpan): boolean => {
      const parent = parentOf(span);
      return parent === undefined ? false : parent === handled || underHandled(parent);
    };
    const instanceQueries = trace.filter((span) => span.attributes['db.namespace'] === instance.database.name);
    expect(instanceQueries.length).toBeGreaterThan(0);
    expect(instanceQueries.every(underHandled)).toBe(true);
    expect(trace.some((span) => span.attributes['db.namespace'] === hub.database.name)).toBe(true);
  });

  it('continues the caller’s traceparent in a tenant request, down to its Postgres statements', async () => {
    const org = await api('POST', '/orgs', { name: 'Traced tenants' });
    const { id } = await api('POST', '/org-workspaces', { orgId: org.id, name: 'Tenants', instanceId: 'traced' });
    await waitFor(
      async () => ((await api('GET', `/org-workspaces/${id}`)).sync.state === 'synced' ? true : undefined),
      { what: 'the workspace to sync' },
    );
    const { key } = await api('GET', `/org-workspaces/${id}`);
    const { secret } = await api('GET', `/org-workspaces/${id}/secret`);
    const token = jwt.sign({ iss: key, id: 'tenant-1', name: 'Tenant one' }, secret as string, {
      algorithm: 'HS256',
      expiresIn: 600,
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(`${instance.url}/tenants/self`, {
      headers: { authorization: `Bearer ${token}`, traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(response.status).toBe(200);

    const trace = await waitFor(
      () => {
        const found = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
        return found.some((span) => span.kind === SpanKind.SERVER) ? found : undefined;
      },
      { what: 'the request span' },
    );
    console.log(spanTree(trace, databases));
    const server = trace.find((span) => span.kind === SpanKind.SERVER);
    expect(server).toMatchObject({ name: 'GET /tenants/self', attributes: { 'http.response.status_code': 200 } });
    expect(server?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(trace.some((span) => span.attributes['db.namespace'] === instance.database.name)).toBe(true);
  });

  it('puts the trace and span ids beside the correlation id in a log line written in a span', () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const logging = LoggingModule.forRoot({ service: 'tracing-test', level: 'info', destination });
    const provider = logging.providers?.find(
      (candidate): candidate is { provide: symbol; useValue: RootLogger } =>
        typeof candidate === 'object' && 'provide' in candidate && candidate.provide === ROOT_LOGGER,
    );
    const span = trace.getTracer('test').startSpan('log line');
    context.with(trace.setSpan(context.active(), span), () =>
      withCorrelationId('corr-1', () => provider?.useValue.info('inside')),
    );
    span.end();
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'inside',
        correlationId: 'corr-1',
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
      }),
    ]);
  });
});
