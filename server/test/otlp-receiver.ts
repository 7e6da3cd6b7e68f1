/**
 * A real OTLP/HTTP trace receiver for tests: it accepts `POST /v1/traces` in protobuf only (a
 * JSON export is refused with 415, so a test cannot pass on the wrong encoding), decodes each
 * payload with the official OTLP .proto definitions (OTLP_PROTO_DIR, provisioned by `npm test`
 * from Maven Central's opentelemetry-proto jar) and answers an encoded ExportTraceServiceResponse,
 * as a collector does. Spans are kept flattened, ids in hex.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import protobuf from 'protobufjs';

export const OTLP_PROTO_DIR = process.env.OTLP_PROTO_DIR;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** SPAN_KIND_SERVER, SPAN_KIND_PRODUCER, … */
  kind: string;
  attributes: Record<string, unknown>;
  links: Array<{ traceId: string; spanId: string; attributes: Record<string, unknown> }>;
  status: string;
  /** Resource attributes of the exporting process. */
  service: string;
  instance: string;
  scope: string;
}

function loadRoot(dir: string): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(dir, target);
  root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto', { keepCase: false });
  return root;
}

const hex = (b: Uint8Array | undefined): string => (b === undefined ? '' : Buffer.from(b).toString('hex'));

interface AnyValue { stringValue?: string; boolValue?: boolean; intValue?: number | { toNumber(): number }; doubleValue?: number; arrayValue?: { values?: AnyValue[] } }
interface KeyValue { key: string; value?: AnyValue }

function valueOf(v: AnyValue | undefined): unknown {
  if (v === undefined) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return typeof v.intValue === 'number' ? v.intValue : v.intValue.toNumber();
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(valueOf);
  return undefined;
}

function attrs(list: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const kv of list ?? []) out[kv.key] = valueOf(kv.value);
  return out;
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface OtlpReceiver {
  /** Base endpoint (OTEL_EXPORTER_OTLP_ENDPOINT). */
  endpoint: string;
  spans: ReceivedSpan[];
  /** Requests refused (wrong path or encoding) — a test expects none. */
  refused: string[];
  /** Headers of the last export (OTEL_EXPORTER_OTLP_HEADERS reach the collector). */
  lastHeaders: Record<string, string | string[] | undefined>;
  /** Resolves once `pick` finds a span (polling what has arrived). */
  waitFor(pick: (s: ReceivedSpan) => boolean, what: string, timeoutMs?: number): Promise<ReceivedSpan>;
  close(): Promise<void>;
}

export async function otlpReceiver(protoDir = OTLP_PROTO_DIR): Promise<OtlpReceiver> {
  if (!protoDir) throw new Error('OTLP_PROTO_DIR is not set (npm test provisions it)');
  const root = loadRoot(protoDir);
  const Request = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
  const Response = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
  const SpanKind = root.lookupEnum('opentelemetry.proto.trace.v1.Span.SpanKind');
  const StatusCode = root.lookupEnum('opentelemetry.proto.trace.v1.Status.StatusCode');
  const spans: ReceivedSpan[] = [];
  const refused: string[] = [];
  let lastHeaders: Record<string, string | string[] | undefined> = {};

  const srv = createServer(async (req, res) => {
    const data = await body(req);
    if (req.method !== 'POST' || req.url !== '/v1/traces' || req.headers['content-type'] !== 'application/x-protobuf') {
      refused.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      res.writeHead(415, { 'content-type': 'text/plain' }).end('protobuf only');
      return;
    }
    lastHeaders = req.headers;
    let decoded: { resourceSpans?: Array<{ resource?: { attributes?: KeyValue[] }; scopeSpans?: Array<{ scope?: { name?: string }; spans?: any[] }> }> };
    try {
      decoded = Request.toObject(Request.decode(data), { longs: Number, enums: String, defaults: false }) as typeof decoded;
    } catch (err) {
      refused.push(`undecodable: ${(err as Error).message}`);
      res.writeHead(400).end();
      return;
    }
    for (const rs of decoded.resourceSpans ?? []) {
      const resource = attrs(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          spans.push({
            traceId: hex(s.traceId),
            spanId: hex(s.spanId),
            parentSpanId: hex(s.parentSpanId),
            name: s.name,
            kind: s.kind ?? SpanKind.valuesById[0]!,
            attributes: attrs(s.attributes),
            links: (s.links ?? []).map((l: { traceId: Uint8Array; spanId: Uint8Array; attributes?: KeyValue[] }) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId), attributes: attrs(l.attributes) })),
            status: s.status?.code ?? StatusCode.valuesById[0]!,
            service: String(resource['service.name'] ?? ''),
            instance: String(resource['service.instance.id'] ?? ''),
            scope: ss.scope?.name ?? '',
          });
        }
      }
    }
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.from(Response.encode(Response.create({})).finish()));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const endpoint = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
  return {
    endpoint,
    spans,
    refused,
    get lastHeaders() {
      return lastHeaders;
    },
    async waitFor(pick, what, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = spans.find(pick);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no span ${what} within ${timeoutMs} ms; received: ${spans.map((s) => `${s.name}@${s.instance}`).join(', ') || 'none'}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () => new Promise<void>((r) => { srv.closeAllConnections(); srv.close(() => r()); }),
  };
}
