/**
 * Test-only: an HTTP proxy in front of kinesalite that enforces Kinesis' per-shard throughput
 * limits, which kinesalite itself does not (its `--shardLimit` caps the number of shards, not
 * their rate). PutRecords entries beyond a shard's records/s budget are answered as AWS does —
 * `ProvisionedThroughputExceededException` for that entry and every later entry of the same
 * shard in the request — and only the accepted entries are forwarded. GetRecords calls beyond
 * a shard's calls/s budget fail the whole call with the same exception. Everything else is
 * forwarded unchanged. Shards are found like Kinesis does: MD5 of the partition key (or the
 * explicit hash key) in the shard's hash key range; iterators are mapped to shards as they pass.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Limits per shard; one-second token buckets. */
export interface ThrottleLimits {
  readonly putRecordsPerSecondPerShard: number;
  readonly getRecordsCallsPerSecondPerShard: number;
}

interface ShardRange {
  readonly shardId: string;
  readonly start: bigint;
  readonly end: bigint;
}

class Bucket {
  private tokens: number;
  private at = Date.now();
  constructor(private readonly rate: number) {
    this.tokens = rate;
  }
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** A running proxy: its endpoint and what it throttled. */
export interface ThrottlingProxy {
  readonly endpoint: string;
  readonly throttledPutEntries: () => number;
  readonly throttledGetRecords: () => number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts the proxy for `target` (kinesalite's endpoint); `shards` are the stream's hash key ranges. */
export async function startThrottlingProxy(
  target: string,
  shards: readonly ShardRange[],
  limits: ThrottleLimits,
): Promise<ThrottlingProxy> {
  const url = new URL(target);
  const putBuckets = new Map(shards.map((s) => [s.shardId, new Bucket(limits.putRecordsPerSecondPerShard)]));
  const getBuckets = new Map(
    shards.map((s) => [s.shardId, new Bucket(limits.getRecordsCallsPerSecondPerShard)]),
  );
  const shardOfIterator = new Map<string, string>();
  let throttledPut = 0;
  let throttledGet = 0;

  const shardOfKey = (partitionKey: string, explicitHashKey: string | undefined): string => {
    const hash =
      explicitHashKey !== undefined
        ? BigInt(explicitHashKey)
        : BigInt(`0x${createHash('md5').update(partitionKey).digest('hex')}`);
    return shards.find((s) => hash >= s.start && hash <= s.end)?.shardId ?? 'unknown';
  };

  const forward = (
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, 'content-length': String(body.byteLength), host: url.host };
      const out = request(
        { hostname: url.hostname, port: url.port, path: req.url, method: req.method, headers },
        (res) => {
          readBody(res).then(
            (b) =>
              resolve({
                status: res.statusCode ?? 500,
                headers: res.headers as Record<string, string>,
                body: b,
              }),
            reject,
          );
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const reply = (res: ServerResponse, status: number, json: unknown) => {
    const body = Buffer.from(JSON.stringify(json));
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': body.byteLength,
    });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const action = String(req.headers['x-amz-target'] ?? '').split('.')[1];
    if (action === 'PutRecords') {
      const input = JSON.parse(body.toString()) as {
        Records: { PartitionKey: string; ExplicitHashKey?: string }[];
      };
      const blocked = new Set<string>();
      const accepted: number[] = [];
      input.Records.forEach((r, i) => {
        const shard = shardOfKey(r.PartitionKey, r.ExplicitHashKey);
        if (!blocked.has(shard) && (putBuckets.get(shard)?.take() ?? true)) accepted.push(i);
        else blocked.add(shard);
      });
      throttledPut += input.Records.length - accepted.length;
      let results: unknown[] = [];
      if (accepted.length > 0) {
        const forwarded = await forward(
          req,
          Buffer.from(JSON.stringify({ ...input, Records: accepted.map((i) => input.Records[i]) })),
        );
        if (forwarded.status !== 200)
          return void res.writeHead(forwarded.status, forwarded.headers).end(forwarded.body);
        results = (JSON.parse(forwarded.body.toString()) as { Records: unknown[] }).Records;
      }
      const merged = input.Records.map((_, i) => {
        const at = accepted.indexOf(i);
        return at >= 0
          ? results[at]
          : {
              ErrorCode: 'ProvisionedThroughputExceededException',
              ErrorMessage: 'Rate exceeded for shard in the throttling proxy',
            };
      });
      const failed = merged.filter((r) => (r as { ErrorCode?: string }).ErrorCode !== undefined).length;
      return reply(res, 200, { FailedRecordCount: failed, Records: merged });
    }
    if (action === 'GetRecords') {
      const input = JSON.parse(body.toString()) as { ShardIterator: string };
      const shard = shardOfIterator.get(input.ShardIterator);
      if (shard !== undefined && !(getBuckets.get(shard)?.take() ?? true)) {
        throttledGet++;
        return reply(res, 400, {
          __type: 'ProvisionedThroughputExceededException',
          message: 'Rate exceeded for shard',
        });
      }
      const forwarded = await forward(req, body);
      if (shard !== undefined && forwarded.status === 200) {
        const next = (JSON.parse(forwarded.body.toString()) as { NextShardIterator?: string })
          .NextShardIterator;
        if (next !== undefined) shardOfIterator.set(next, shard);
      }
      return void res.writeHead(forwarded.status, forwarded.headers).end(forwarded.body);
    }
    const forwarded = await forward(req, body);
    if (action === 'GetShardIterator' && forwarded.status === 200) {
      const { ShardId } = JSON.parse(body.toString()) as { ShardId: string };
      const { ShardIterator } = JSON.parse(forwarded.body.toString()) as { ShardIterator: string };
      shardOfIterator.set(ShardIterator, ShardId);
    }
    res.writeHead(forwarded.status, forwarded.headers).end(forwarded.body);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    throttledPutEntries: () => throttledPut,
    throttledGetRecords: () => throttledGet,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
