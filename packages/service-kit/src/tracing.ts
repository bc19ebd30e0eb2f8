import { createRequire } from 'node:module';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * OpenTelemetry tracing, configured the standard way (OTEL_* variables, read by the SDK itself) and off
 * unless asked for. One trace follows a request through the gateway, every subgraph fetch, every call
 * between siblings and every SQL statement: the http instrumentation continues the trace of an incoming
 * `traceparent`, undici (Node's fetch) sends `traceparent` on every outgoing call, and pg records the
 * statements (their text, never their parameters). Only traces go through OpenTelemetry; metrics are
 * Prometheus (/metrics) and logs are pino lines on stdout.
 */

/** Probes and scrapes are not worth a trace each: a platform polls them every few seconds. */
const OPS_PATH = /\/(health|ready|metrics)(\?|$)/;

/** Whether `env` asks for traces: an exporter other than `none`, or an OTLP endpoint, and the SDK not disabled. */
export function tracingConfigured(env: Record<string, string | undefined>): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((e) => e.trim()).filter(Boolean);
  if (exporters.length) return !exporters.includes('none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export interface Tracing {
  /** Sends the spans still buffered and stops tracing. */
  shutdown(): Promise<void>;
}

let started: Tracing | null = null;

/**
 * Starts tracing for this process when `env` configures it (see tracingConfigured), or when `spanProcessors`
 * are given (a test's in-memory exporter); returns null otherwise. Call it first, before any database
 * connection is made: pg is instrumented when it is loaded. Once per process; a second call returns the first.
 */
export async function startTracing(service: string, env: Record<string, string | undefined>, opts: { spanProcessors?: SpanProcessor[] } = {}): Promise<Tracing | null> {
  if (started) return started;
  if (!opts.spanProcessors && !tracingConfigured(env)) return null;
  // Loaded only when tracing is on: the SDK and its instrumentations are about 50 MB of every process.
  const [{ NodeSDK }, { HttpInstrumentation }, { PgInstrumentation }, { UndiciInstrumentation }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-pg'),
    import('@opentelemetry/instrumentation-undici'),
  ]);
  if (started) return started;
  const sdk = new NodeSDK({
    // OTEL_SERVICE_NAME, when set, names the process; otherwise the service does.
    ...(env.OTEL_SERVICE_NAME ? {} : { serviceName: service }),
    ...(opts.spanProcessors ? { spanProcessors: opts.spanProcessors } : {}),
    // Metrics and logs have their own channels here; the SDK would otherwise try OTLP for both.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => OPS_PATH.test(req.url ?? '') }),
      new UndiciInstrumentation({ ignoreRequestHook: (req) => OPS_PATH.test(req.path) }),
      // Statement text only (the default): parameters can carry names or medical notes.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  // The servers are ESM and imported node:http before tracing started; requiring it once more lets the
  // instrumentation patch the shared Server prototype, which every server already created uses.
  const require = createRequire(import.meta.url);
  require('node:http');
  require('node:https');
  started = { shutdown: () => sdk.shutdown() };
  return started;
}

/** The current trace's id, when tracing is on and a span is active; for log lines. */
export function currentTraceId(): string | undefined {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx && isSpanContextValid(ctx) ? ctx.traceId : undefined;
}

/** Names the active span's service and operation, so a trace reads well even when processes share a host. */
export function annotateSpan(attributes: Record<string, string | number | boolean | undefined>): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) span.setAttribute(k, v);
}

/** Whether this process traces (startTracing ran and configured a provider). */
export function tracingActive(): boolean {
  return started !== null;
}
