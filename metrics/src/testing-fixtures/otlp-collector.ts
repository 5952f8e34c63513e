import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One data point as the collector received it, flattened for assertions. */
export interface OtlpPoint {
  readonly metric: string;
  readonly type: 'sum' | 'gauge';
  readonly monotonic: boolean | undefined;
  readonly unit: string;
  readonly description: string;
  readonly value: number;
  readonly attributes: Readonly<Record<string, string>>;
}

/** One export request. */
export interface OtlpRequest {
  readonly contentType: string;
  readonly headers: IncomingHttpHeaders;
  readonly resource: Readonly<Record<string, string>>;
  readonly points: readonly OtlpPoint[];
}

/** An in-process OTLP/HTTP metrics receiver that decodes JSON and protobuf requests. */
export interface TestOtlpCollector extends AsyncDisposable {
  readonly url: string;
  readonly requests: OtlpRequest[];
  /** Answer the next requests with this status (e.g. 503) until set back to 200. */
  status: number;
  close(): Promise<void>;
}

export async function startOtlpCollector(): Promise<TestOtlpCollector> {
  const requests: OtlpRequest[] = [];
  const state = { status: 200 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = req.headers['content-type'] ?? '';
      if (state.status !== 200) {
        res.writeHead(state.status).end();
        return;
      }
      const decoded = contentType.includes('json')
        ? fromJson(JSON.parse(body.toString('utf8')) as JsonRequest)
        : fromProtobuf(body);
      requests.push({ contentType, headers: req.headers, ...decoded });
      res
        .writeHead(200, { 'content-type': contentType })
        .end(contentType.includes('json') ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    url: `http://127.0.0.1:${port}/v1/metrics`,
    requests,
    get status() {
      return state.status;
    },
    set status(value: number) {
      state.status = value;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

// ---- OTLP JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding) ----

interface JsonKeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}
interface JsonPoint {
  attributes?: JsonKeyValue[];
  asDouble?: number;
  asInt?: string | number;
}
interface JsonMetric {
  name: string;
  description?: string;
  unit?: string;
  sum?: { dataPoints: JsonPoint[]; isMonotonic?: boolean };
  gauge?: { dataPoints: JsonPoint[] };
}
interface JsonRequest {
  resourceMetrics: {
    resource?: { attributes?: JsonKeyValue[] };
    scopeMetrics: { metrics: JsonMetric[] }[];
  }[];
}

function jsonAttributes(list: JsonKeyValue[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? [])
    out[kv.key] = String(kv.value.stringValue ?? kv.value.intValue ?? kv.value.doubleValue);
  return out;
}

function fromJson(request: JsonRequest): Pick<OtlpRequest, 'resource' | 'points'> {
  const points: OtlpPoint[] = [];
  let resource: Record<string, string> = {};
  for (const rm of request.resourceMetrics) {
    resource = jsonAttributes(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) {
        const type = m.sum ? 'sum' : 'gauge';
        for (const p of (m.sum ?? m.gauge)?.dataPoints ?? []) {
          points.push({
            metric: m.name,
            type,
            monotonic: m.sum?.isMonotonic,
            unit: m.unit ?? '',
            description: m.description ?? '',
            value: Number(p.asDouble ?? p.asInt),
            attributes: jsonAttributes(p.attributes),
          });
        }
      }
    }
  }
  return { resource, points };
}

// ---- OTLP protobuf: a minimal wire-format reader for the metrics request messages ----

type Field = { wire: 0 | 1 | 2 | 5; varint: bigint; bytes: Uint8Array };

/** Splits one protobuf message into its fields (field number → occurrences). */
function fields(buf: Uint8Array): Map<number, Field[]> {
  const out = new Map<number, Field[]>();
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buf[pos++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const tag = Number(varint());
    const number = tag >>> 3;
    const wire = (tag & 7) as Field['wire'];
    let field: Field;
    if (wire === 0) field = { wire, varint: varint(), bytes: new Uint8Array() };
    else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      field = { wire, varint: 0n, bytes: buf.subarray(pos, pos + size) };
      pos += size;
    } else if (wire === 2) {
      const len = Number(varint());
      field = { wire, varint: 0n, bytes: buf.subarray(pos, pos + len) };
      pos += len;
    } else throw new Error(`unsupported wire type ${wire as number}`);
    const list = out.get(number);
    if (list) list.push(field);
    else out.set(number, [field]);
  }
  return out;
}

const text = (f: Field | undefined) => (f ? Buffer.from(f.bytes).toString('utf8') : '');
const all = (m: Map<number, Field[]>, n: number) => m.get(n) ?? [];

function pbAttributes(list: Field[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const f = fields(kv.bytes);
    const value = fields(all(f, 2)[0]?.bytes ?? new Uint8Array());
    out[text(all(f, 1)[0])] = text(all(value, 1)[0]);
  }
  return out;
}

function fromProtobuf(body: Uint8Array): Pick<OtlpRequest, 'resource' | 'points'> {
  const points: OtlpPoint[] = [];
  let resource: Record<string, string> = {};
  for (const rm of all(fields(body), 1)) {
    const rmf = fields(rm.bytes);
    resource = pbAttributes(all(fields(all(rmf, 1)[0]?.bytes ?? new Uint8Array()), 1));
    for (const sm of all(rmf, 2)) {
      for (const metric of all(fields(sm.bytes), 2)) {
        const mf = fields(metric.bytes);
        const sum = all(mf, 7)[0];
        const data = sum ?? all(mf, 5)[0];
        if (data === undefined) continue;
        const df = fields(data.bytes);
        for (const point of all(df, 1)) {
          const pf = fields(point.bytes);
          const dbl = all(pf, 4)[0];
          const int = all(pf, 6)[0];
          const value = dbl
            ? Buffer.from(dbl.bytes).readDoubleLE(0)
            : Number(Buffer.from(int?.bytes ?? new Uint8Array(8)).readBigInt64LE(0));
          points.push({
            metric: text(all(mf, 1)[0]),
            type: sum ? 'sum' : 'gauge',
            monotonic: sum ? all(df, 3)[0]?.varint === 1n : undefined,
            unit: text(all(mf, 3)[0]),
            description: text(all(mf, 2)[0]),
            value,
            attributes: pbAttributes(all(pf, 7)),
          });
        }
      }
    }
  }
  return { resource, points };
}
