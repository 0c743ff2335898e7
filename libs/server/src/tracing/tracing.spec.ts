import { context, trace } from '@opentelemetry/api';
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import pg from 'pg';

import { exportersFrom, samplerFrom, startTracing, TracingConfigError, tracingEnabled } from './tracing.js';

describe('startTracing', () => {
  it('sets up nothing without OTEL_* variables: no processor, no provider, no pg patch', async () => {
    const query = pg.Client.prototype.query;
    const sut = startTracing({ serviceName: 'test', env: {} });
    expect(sut).toMatchObject({ enabled: false, processors: [] });
    expect(tracingEnabled()).toBe(false);
    // The API's no-op: spans are not recorded and have no valid context.
    const span = trace.getTracer('test').startSpan('nothing');
    expect(span.isRecording()).toBe(false);
    expect(trace.isSpanContextValid(span.spanContext())).toBe(false);
    expect(pg.Client.prototype.query).toBe(query);
    await sut.shutdown();
  });

  it('exports over OTLP in batches when OTEL_EXPORTER_OTLP_ENDPOINT is set, and undoes it all on shutdown', async () => {
    const query = pg.Client.prototype.query;
    const sut = startTracing({ serviceName: 'test', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1' } });
    try {
      expect(sut.enabled).toBe(true);
      expect(sut.processors).toHaveLength(1);
      expect(sut.processors[0]).toBeInstanceOf(BatchSpanProcessor);
      expect(pg.Client.prototype.query).not.toBe(query);
      expect(trace.getTracer('test').startSpan('recorded').isRecording()).toBe(true);
    } finally {
      await sut.shutdown();
    }
    expect(tracingEnabled()).toBe(false);
    expect(pg.Client.prototype.query).toBe(query);
    expect(trace.getTracer('test').startSpan('after').isRecording()).toBe(false);
    expect(context.active()).toBeDefined();
  });

  it('adds the processors it is given (tests) to those the environment asks for', async () => {
    const processor = new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() });
    const sut = startTracing({
      serviceName: 'test',
      env: { OTEL_TRACES_EXPORTER: 'none' },
      spanProcessors: [processor],
    });
    try {
      expect(sut.processors).toEqual([processor]);
    } finally {
      await sut.shutdown();
    }
  });
});

describe('exportersFrom', () => {
  it.each([
    [{}, []],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, ['otlp']],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, ['otlp']],
    [{ OTEL_TRACES_EXPORTER: 'otlp, console' }, ['otlp', 'console']],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, []],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }, []],
  ])('%j → %j', (env, expected) => {
    expect(exportersFrom(env)).toEqual(expected);
  });

  it('refuses an exporter it cannot create, naming the variable', () => {
    expect(() => exportersFrom({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(TracingConfigError);
    expect(() => exportersFrom({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/OTEL_TRACES_EXPORTER names "zipkin"/);
  });
});

describe('samplerFrom', () => {
  it('reads OTEL_TRACES_SAMPLER and its ratio', () => {
    expect(samplerFrom({}).toString()).toMatch(/ParentBased\{root=AlwaysOnSampler/);
    expect(samplerFrom({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).toString()).toBe(
      'TraceIdRatioBased{0.25}',
    );
    expect(() => samplerFrom({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(
      /OTEL_TRACES_SAMPLER_ARG/,
    );
    expect(() => samplerFrom({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(/OTEL_TRACES_SAMPLER names "sometimes"/);
  });
});
