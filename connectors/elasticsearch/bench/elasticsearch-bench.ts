/**
 * Elasticsearch connector benchmark against the local server of `@tributary/e2e` (started on
 * first use). In one run, alternating the order per round, after a warm-up, median of ROUNDS:
 *  (a) sink: `ElasticsearchSink` (index with ids, through a Tributary job reading a data
 *      generator) vs the client's own `helpers.bulk` over the same documents, both with batches
 *      of BATCH actions (helpers.bulk flushes by bytes: `flushBytes` is BATCH documents' bytes)
 *      and CONCURRENCY requests in flight;
 *  (b) source: `ElasticsearchSource` at 1 and 2 slices (parallelism = slices, into a discarding
 *      sink) vs a plain point-in-time `search_after` loop with the same page size.
 * Prints a table and one `BENCH_JSON {...}` line. Ratios are Tributary / raw (target ≥ 0.9 for
 * the sink); nothing fails on them.
 *
 * Run: `pnpm --filter @tributary/connector-elasticsearch bench` (`BENCH_SCALE=0.2` for a quick run).
 */
import { performance } from 'node:perf_hooks';
import { DataGeneratorSource, DiscardingSink, Pipeline, silentLogger } from '@tributary/core';
import { useService } from '@tributary/e2e';
import { ElasticsearchSink } from '../src/sink/elasticsearch-sink.js';
import { ElasticsearchSource } from '../src/source/elasticsearch-source.js';

const scale = Number(process.env.BENCH_SCALE ?? 1);
const DOCS = Math.round(100_000 * scale);
const BATCH = 1000;
const CONCURRENCY = 2;
const PAGE = 1000;
const ROUNDS = 3;

interface Doc {
  readonly id: number;
  readonly name: string;
  readonly amount: number;
  readonly tags: readonly string[];
}
const doc = (id: number): Doc => ({
  id,
  name: `customer-${id % 997}`,
  amount: id * 1.5,
  tags: ['a', `t${id % 7}`],
});
const DOC_BYTES =
  Buffer.byteLength(JSON.stringify(doc(50_000))) +
  Buffer.byteLength('{"index":{"_index":"bench-xxxxxxxx","_id":"50000"}}\n\n');

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const es = await useService('elasticsearch');
const client = es.createClient();

async function freshIndex(): Promise<string> {
  return es.createIndex({ prefix: 'bench', settings: { number_of_shards: 2, refresh_interval: '-1' } });
}

async function rawSink(): Promise<number> {
  const index = await freshIndex();
  const start = performance.now();
  const stats = await client.helpers.bulk<Doc>({
    datasource: Array.from({ length: DOCS }, (_, i) => doc(i)), // built ahead: favours the baseline
    onDocument: (d) => ({ index: { _index: index, _id: String(d.id) } }),
    flushBytes: BATCH * DOC_BYTES,
    concurrency: CONCURRENCY,
    refreshOnCompletion: false,
  });
  const ms = performance.now() - start;
  if (stats.successful !== DOCS) throw new Error(`helpers.bulk indexed ${stats.successful} of ${DOCS}`);
  await es.deleteIndex(index);
  return ms;
}

async function tributarySink(): Promise<number> {
  const index = await freshIndex();
  const start = performance.now();
  await Pipeline.from(new DataGeneratorSource<Doc>({ generator: doc, count: DOCS, numSplits: 1 }))
    .sinkTo(
      new ElasticsearchSink<Doc>({
        nodes: es.node,
        index,
        idFields: ['id'],
        maxBatchSize: BATCH,
        maxInFlightRequests: CONCURRENCY,
        maxBufferedRequests: BATCH * CONCURRENCY * 2,
      }),
    )
    .execute({ parallelism: 1 }, { logger: silentLogger });
  const ms = performance.now() - start;
  await client.indices.refresh({ index });
  const count = (await client.count({ index })).count;
  if (count !== DOCS) throw new Error(`ElasticsearchSink indexed ${count} of ${DOCS}`);
  await es.deleteIndex(index);
  return ms;
}

async function rawSearchAfter(index: string): Promise<number> {
  const start = performance.now();
  const pit = await client.openPointInTime({ index, keep_alive: '1m' });
  let after: unknown[] | undefined;
  let read = 0;
  for (;;) {
    const page = await client.search({
      pit: { id: pit.id, keep_alive: '1m' },
      sort: [{ _shard_doc: 'asc' }],
      size: PAGE,
      track_total_hits: false,
      ...(after === undefined ? {} : { search_after: after as never }),
    });
    const hits = page.hits.hits;
    for (const hit of hits) if (hit._source === undefined) throw new Error('no _source');
    read += hits.length;
    if (hits.length < PAGE) break;
    after = hits[hits.length - 1]?.sort as unknown[];
  }
  await client.closePointInTime({ id: pit.id });
  if (read !== DOCS) throw new Error(`raw loop read ${read} of ${DOCS}`);
  return performance.now() - start;
}

async function tributarySource(index: string, slices: number): Promise<number> {
  const start = performance.now();
  await Pipeline.from(new ElasticsearchSource<Doc>({ nodes: es.node, index, slices, pageSize: PAGE }))
    .sinkTo(new DiscardingSink())
    .execute({ parallelism: slices }, { logger: silentLogger });
  return performance.now() - start;
}

async function rounds(variants: Record<string, () => Promise<number>>): Promise<Record<string, number>> {
  const names = Object.keys(variants);
  for (const name of names) await (variants[name] as () => Promise<number>)(); // warm-up
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) times[name]?.push(await (variants[name] as () => Promise<number>)());
  }
  return Object.fromEntries(names.map((n) => [n, median(times[n] as number[])]));
}

const rate = (ms: number) => Math.round(DOCS / (ms / 1000));

const sink = await rounds({ 'helpers.bulk': rawSink, ElasticsearchSink: tributarySink });

const sourceIndex = await freshIndex();
await client.helpers.bulk<Doc>({
  datasource: Array.from({ length: DOCS }, (_, i) => doc(i)),
  onDocument: (d) => ({ index: { _index: sourceIndex, _id: String(d.id) } }),
  refreshOnCompletion: true,
});
const source = await rounds({
  'plain search_after loop': () => rawSearchAfter(sourceIndex),
  'ElasticsearchSource 1 slice': () => tributarySource(sourceIndex, 1),
  'ElasticsearchSource 2 slices': () => tributarySource(sourceIndex, 2),
});
await es.deleteIndex(sourceIndex);

const rows = [
  ['sink', 'helpers.bulk', sink['helpers.bulk'] as number, 1],
  [
    'sink',
    'ElasticsearchSink',
    sink.ElasticsearchSink as number,
    (sink['helpers.bulk'] as number) / (sink.ElasticsearchSink as number),
  ],
  ['source', 'plain search_after loop', source['plain search_after loop'] as number, 1],
  ...['ElasticsearchSource 1 slice', 'ElasticsearchSource 2 slices'].map((name) => [
    'source',
    name,
    source[name] as number,
    (source['plain search_after loop'] as number) / (source[name] as number),
  ]),
] as [string, string, number, number][];
process.stdout.write(
  `\nElasticsearch bench: ${DOCS} docs (~${DOC_BYTES} B per action), batch ${BATCH}, concurrency ${CONCURRENCY}, page ${PAGE}; median of ${ROUNDS}\n`,
);
process.stdout.write('| part | variant | docs/s | ratio vs raw |\n| --- | --- | --- | --- |\n');
for (const [part, name, ms, ratio] of rows) {
  process.stdout.write(`| ${part} | ${name} | ${rate(ms)} | ${ratio.toFixed(2)} |\n`);
}
process.stdout.write(
  `BENCH_JSON ${JSON.stringify({ docs: DOCS, rows: rows.map(([part, name, ms, ratio]) => ({ part, name, docsPerSecond: rate(ms), ratio: Math.round(ratio * 100) / 100 })) })}\n`,
);
await es.close();
