/**
 * Test-only: an HTTP proxy in front of a real Elasticsearch that injects the bulk failures a
 * shared one-node test server cannot be configured for at run time: per-item 429 rejections
 * (the items are taken out of the forwarded request, so they are really not indexed, and a 429
 * item is spliced into the real response at their place) and a small `http.max_content_length`
 * (413 for a larger request body, nothing forwarded). Everything else passes through unchanged.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What Elasticsearch sends with every answer (the client refuses a server without the product header). */
const JSON_HEADERS = { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' };

export interface FaultInjectingProxyOptions {
  /** The Elasticsearch node to forward to (`http://127.0.0.1:9200`). */
  readonly target: string;
  /** Document field whose value selects items to throttle. */
  readonly throttleField: string;
  /** Value of `throttleField` → how many times that item is answered 429 before it goes through. */
  readonly throttle: ReadonlyMap<string, number>;
  /** Request bodies larger than this are answered 413 (like `http.max_content_length`). */
  readonly maxContentLength: number;
}

export interface FaultInjectingProxy {
  readonly url: string;
  /** Items answered 429, and requests answered 413, so far. */
  readonly injected: { throttled: number; tooLarge: number };
  close(): Promise<void>;
}

export async function startFaultInjectingProxy(
  options: FaultInjectingProxyOptions,
): Promise<FaultInjectingProxy> {
  const remaining = new Map(options.throttle);
  const injected = { throttled: 0, tooLarge: 0 };
  const target = new URL(options.target);
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    if (body.length > options.maxContentLength) {
      injected.tooLarge++;
      res.writeHead(413, JSON_HEADERS).end('{}');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://proxy').pathname;
    const bulk = req.method === 'POST' && path.endsWith('/_bulk');
    let forwarded: Buffer = body;
    let throttledAt: { at: number; op: string; index: string }[] = [];
    if (bulk) ({ forwarded, throttledAt } = takeThrottled(body, options.throttleField, remaining));
    injected.throttled += throttledAt.length;
    if (throttledAt.length > 0 && forwarded.length === 0) {
      // Every item throttled: nothing to forward; answer with the 429 items alone.
      const items = throttledAt.map(({ op, index }) => ({
        [op]: {
          _index: index,
          status: 429,
          error: { type: 'es_rejected_execution_exception', reason: 'test proxy' },
        },
      }));
      res.writeHead(200, JSON_HEADERS).end(JSON.stringify({ errors: true, took: 0, items }));
      return;
    }
    const headers = { ...req.headers, 'content-length': String(forwarded.length) };
    delete headers['accept-encoding'];
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      async (answer) => {
        const text = await readBody(answer);
        if (!bulk || throttledAt.length === 0 || answer.statusCode !== 200) {
          res.writeHead(answer.statusCode ?? 502, JSON_HEADERS).end(text);
          return;
        }
        const parsed = JSON.parse(text.toString()) as { errors: boolean; items: unknown[] };
        for (const { at, op, index } of throttledAt) {
          parsed.items.splice(at, 0, {
            [op]: {
              _index: index,
              status: 429,
              error: { type: 'es_rejected_execution_exception', reason: 'rejected by the test proxy' },
            },
          });
        }
        parsed.errors = true;
        res.writeHead(200, JSON_HEADERS).end(JSON.stringify(parsed));
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
    });
    upstream.end(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    injected,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Removes the items to throttle from an NDJSON bulk body; returns where their results belong. */
function takeThrottled(
  body: Buffer,
  field: string,
  remaining: Map<string, number>,
): { forwarded: Buffer; throttledAt: { at: number; op: string; index: string }[] } {
  const lines = body
    .toString()
    .split('\n')
    .filter((l) => l !== '');
  const kept: string[] = [];
  const throttledAt: { at: number; op: string; index: string }[] = [];
  let item = 0;
  for (let i = 0; i < lines.length; item++) {
    const action = JSON.parse(lines[i] as string) as Record<string, { _index: string }>;
    const op = Object.keys(action)[0] as string;
    const hasDoc = op !== 'delete';
    const docLine = hasDoc ? (lines[i + 1] as string) : undefined;
    const doc = docLine === undefined ? undefined : (JSON.parse(docLine) as Record<string, unknown>);
    const key = String((op === 'update' ? (doc?.doc as Record<string, unknown>) : doc)?.[field]);
    const left = remaining.get(key) ?? 0;
    if (left > 0) {
      remaining.set(key, left - 1);
      throttledAt.push({ at: item, op, index: (action[op] as { _index: string })._index });
    } else {
      kept.push(lines[i] as string);
      if (docLine !== undefined) kept.push(docLine);
    }
    i += hasDoc ? 2 : 1;
  }
  return { forwarded: Buffer.from(kept.length === 0 ? '' : `${kept.join('\n')}\n`), throttledAt };
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
