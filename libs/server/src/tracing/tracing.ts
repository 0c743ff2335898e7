import {
  type Context,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  type Sampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import pg from 'pg';

/** The instrumentation scope of the spans Switchboard makes itself (HTTP server, NATS). */
export const TRACER_NAME = 'switchboard';

export interface TracingOptions {
  /** `service.name` unless `OTEL_SERVICE_NAME` (or `OTEL_RESOURCE_ATTRIBUTES`) names another. */
  serviceName: string;
  /** Where the OTEL_* variables are read; `process.env` unless given. */
  env?: NodeJS.ProcessEnv;
  /** Processors to add to those the environment asks for (tests pass an in-memory exporter's). */
  spanProcessors?: SpanProcessor[];
}

/** What `startTracing` set up; `enabled` is false when nothing was (no exporter asked for). */
export interface Tracing {
  enabled: boolean;
  /** The span processors in use, none when tracing is off. */
  processors: readonly SpanProcessor[];
  /** Exports what is buffered (BatchSpanProcessor); resolves at once when tracing is off. */
  flush(): Promise<void>;
  /** Flushes, then unregisters everything `startTracing` registered. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, processors: [], flush: async () => {}, shutdown: async () => {} };
let active: Tracing = OFF;

/** Thrown at boot for an OTEL_* value this service cannot honour. */
export class TracingConfigError extends Error {
  override name = 'TracingConfigError';
}

/**
 * Sets up OpenTelemetry tracing for this process, from the standard
 * environment variables (OpenTelemetry specification, "Environment Variable
 * Specification" and "SDK Configuration"), off unless asked for:
 *
 * - `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`: off.
 * - `OTEL_TRACES_EXPORTER=otlp` (and/or `console`, comma-separated): those exporters.
 * - `OTEL_TRACES_EXPORTER` unset: OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` or
 *   `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, else off. (The specification's
 *   default is `otlp`; ours is off, so that a service without a collector
 *   neither buffers spans nor retries exports.)
 * - OTLP is sent over HTTP/protobuf (the specification's default protocol) by
 *   `@opentelemetry/exporter-trace-otlp-proto`, which itself reads
 *   `OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT`, `…_HEADERS`, `…_TIMEOUT`, `…_COMPRESSION`;
 *   spans go in batches (BatchSpanProcessor's defaults: every 5 s or 512 spans).
 * - `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`: `parentbased_always_on`
 *   (default), `always_on`, `always_off`, `traceidratio`,
 *   `parentbased_always_off`, `parentbased_traceidratio`.
 * - `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`: the resource.
 *
 * When on: a global tracer provider, the AsyncLocalStorage context manager,
 * the W3C `traceparent` and `baggage` propagators, and node-postgres
 * instrumented (`@opentelemetry/instrumentation-pg`, patched here on the `pg`
 * module object itself rather than through a require hook: the apps are ESM
 * and Jest loads modules through its own registry, and neither goes through
 * the `require` that the hook intercepts). HTTP server spans (createService)
 * and NATS spans (NatsClient, TemplatedServerNats) are ours and are made only
 * when tracing is on: when off, no processor, no context manager, no patch.
 *
 * Call once per process, before the services are created; a second call
 * while tracing is on returns the tracing already running.
 *
 * @throws TracingConfigError for an exporter or sampler name not listed above
 */
export function startTracing(options: TracingOptions): Tracing {
  if (active.enabled) return active;
  const env = options.env ?? process.env;
  const processors = [...exportersFrom(env).map(processorFor), ...(options.spanProcessors ?? [])];
  if (processors.length === 0) return OFF;

  const resource = defaultResource()
    .merge(resourceFromAttributes({ 'service.name': options.serviceName }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new TracerProvider({ resource, sampler: samplerFrom(env), spanProcessors: processors });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
  const unpatch = instrumentPostgres(provider);

  active = {
    enabled: true,
    processors,
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      if (active.processors !== processors) return;
      active = OFF;
      unpatch();
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
  return active;
}

/** Whether `startTracing` turned tracing on in this process. */
export function tracingEnabled(): boolean {
  return active.enabled;
}

/** The tracing running in this process (off until `startTracing`). */
export function currentTracing(): Tracing {
  return active;
}

/** The tracer for Switchboard's own spans. */
export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** `traceId` and `spanId` of the active span, for log lines; empty outside one (or with tracing off). */
export function traceFields(): { traceId?: string; spanId?: string } {
  if (!active.enabled) return {};
  const spanContext = trace.getSpanContext(context.active());
  return spanContext && trace.isSpanContextValid(spanContext)
    ? { traceId: spanContext.traceId, spanId: spanContext.spanId }
    : {};
}

/**
 * Runs `work` in a new span of `kind` under `parent` (the active context by
 * default), ending it when `work` settles: an exception is recorded and sets
 * the status to error. With tracing off, `work` runs as it is.
 */
export async function inSpan<T>(
  name: string,
  options: { kind: SpanKind; attributes?: Record<string, string>; parent?: Context },
  work: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!active.enabled) return work(undefined);
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: options.kind, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}

export { SpanKind };

type ExporterName = 'otlp' | 'console';

/** The trace exporters the environment asks for (see startTracing). */
export function exportersFrom(env: NodeJS.ProcessEnv): ExporterName[] {
  if (env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true') return [];
  const named = env['OTEL_TRACES_EXPORTER']?.trim();
  if (!named) {
    const endpoint = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_ENDPOINT'];
    return endpoint ? ['otlp'] : [];
  }
  const names = [
    ...new Set(
      named
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  if (names.includes('none')) return [];
  for (const name of names) {
    if (name !== 'otlp' && name !== 'console') {
      throw new TracingConfigError(
        `OTEL_TRACES_EXPORTER names "${name}": this service exports traces with otlp or console (or none).`,
      );
    }
  }
  return names as ExporterName[];
}

function processorFor(name: ExporterName): SpanProcessor {
  return new BatchSpanProcessor({ exporter: name === 'otlp' ? new OTLPTraceExporter() : new ConsoleSpanExporter() });
}

/** `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` (a ratio in [0, 1], default 1). */
export function samplerFrom(env: NodeJS.ProcessEnv): Sampler {
  const name = env['OTEL_TRACES_SAMPLER']?.trim().toLowerCase() || 'parentbased_always_on';
  const ratio = () => {
    const raw = env['OTEL_TRACES_SAMPLER_ARG']?.trim();
    const value = raw ? Number(raw) : 1;
    if (!Number.isFinite(value) || value < 0 || value > 1) {
      throw new TracingConfigError(`OTEL_TRACES_SAMPLER_ARG is "${raw}": a ratio between 0 and 1 is expected.`);
    }
    return value;
  };
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio());
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio()) });
    default:
      throw new TracingConfigError(
        `OTEL_TRACES_SAMPLER names "${name}": one of always_on, always_off, traceidratio, ` +
          'parentbased_always_on, parentbased_always_off, parentbased_traceidratio is expected.',
      );
  }
}

/**
 * Patches node-postgres' `Client` (query and connect spans) and its pool
 * (`pg-pool`, the base class of `pg.Pool`: connect spans) with the official
 * instrumentation, applied to the very module objects TypeORM is handed
 * (`postgresOptions` passes `pg` as its driver). Returns the unpatch.
 */
function instrumentPostgres(provider: TracerProvider): () => void {
  // enabled: false — no require hook; the patch is applied below, to the modules themselves.
  const instrumentation = new PgInstrumentation({ enabled: false, requireParentSpan: true });
  instrumentation.setTracerProvider(provider);
  const targets: Record<string, unknown> = { pg, 'pg-pool': Object.getPrototypeOf(pg.Pool) as unknown };
  const patched: (() => void)[] = [];
  for (const definition of instrumentation.getModuleDefinitions()) {
    const target = targets[definition.name];
    if (target === undefined || definition.patch === undefined) continue;
    definition.patch(target);
    patched.push(() => definition.unpatch?.(target));
  }
  return () => {
    for (const unpatch of patched) unpatch();
  };
}
