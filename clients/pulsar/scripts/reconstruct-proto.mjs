#!/usr/bin/env node
// Rebuilds `proto/PulsarApi.proto` from the compiled protocol classes in Pulsar's own Maven
// artifact `org.apache.pulsar:pulsar-common` (the .proto file itself is not published to any
// registry this project reaches). LightProto, the generator Pulsar uses, keeps every field's
// number and tag as constants and sets non-zero defaults in `clear()`, so `javap` recovers the
// schema: message and enum names, field names/numbers/types, packed-ness and defaults.
// Every field is written `optional` (proto2): required-ness is enforced by the broker, not here.
//
// Usage: node scripts/reconstruct-proto.mjs <pulsar-common.jar> > proto/PulsarApi.proto
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const jar = process.argv[2];
if (!jar) {
  console.error('usage: reconstruct-proto.mjs <pulsar-common-VERSION.jar>');
  process.exit(2);
}
const PKG = 'org/apache/pulsar/common/api/proto';
const dir = mkdtempSync(join(tmpdir(), 'pulsar-proto-'));
execFileSync('unzip', ['-qo', jar, `${PKG}/*`, '-d', dir]);
const classes = readdirSync(join(dir, PKG))
  .filter((f) => f.endsWith('.class') && !f.startsWith('LightProtoCodec'))
  .map((f) => f.slice(0, -'.class'.length));

const javap = (name, extra = []) =>
  execFileSync('javap', ['-p', '-constants', ...extra, '-cp', dir, `${PKG.replaceAll('/', '.')}.${name}`], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });

const isEnum = (src) => /extends java\.lang\.Enum</.test(src);
const shortName = (javaType) => javaType.split('.').pop().replace(/^.*\$/, '');
const enumNames = new Set(classes.filter((c) => isEnum(javap(c))).map((c) => c.replace(/^.*\$/, '')));

function enumBody(name, indent) {
  const src = javap(name);
  const values = [...src.matchAll(/public static final int (\w+)_VALUE = (-?\d+);/g)];
  return `${indent}enum ${name.replace(/^.*\$/, '')} {\n${values
    .map(([, n, v]) => `${indent}  ${n} = ${v};`)
    .join('\n')}\n${indent}}\n`;
}

function scalarType(javaType, wireType) {
  switch (javaType) {
    case 'long':
      return wireType === 1 ? 'fixed64' : 'int64';
    case 'int':
      return wireType === 5 ? 'fixed32' : 'int32';
    case 'boolean':
      return 'bool';
    case 'double':
      return 'double';
    case 'float':
      return 'float';
    case 'java.lang.String':
      return 'string';
    case 'io.netty.buffer.ByteBuf':
    case 'byte[]':
    case 'org.apache.pulsar.common.api.proto.LightProtoCodec$BytesHolder':
      return 'bytes';
    case 'org.apache.pulsar.common.api.proto.LightProtoCodec$StringHolder':
      return 'string';
    default: {
      return shortName(javaType);
    }
  }
}

/** The constant a `javap -c` instruction line pushes, if it pushes one. */
function constantPushed(line) {
  if (/iconst_m1/.test(line)) return '-1';
  const patterns = [
    /[il]const_(\d)/,
    /[bs]ipush\s+(-?\d+)/,
    /ldc2?_w?\s+#\d+\s+\/\/ (?:long|int|double|float) (-?[\d.E]+)/,
    /getstatic .*\/\/ Field \S+\.(\w+):L/,
  ];
  for (const pattern of patterns) {
    const match = line.match(pattern);
    if (match) return /^-?[\d.]/.test(match[1]) ? match[1].replace(/[lLdDfF]$/, '') : match[1];
  }
  return undefined;
}

/** Defaults from `clear()`: the constant pushed right before each `putfield`. */
function defaultsOf(name) {
  const code = javap(name, ['-c']);
  const start = code.search(new RegExp(`public \\S+\\.${name.replace('$', '\\$')} clear\\(\\);`));
  if (start < 0) return new Map();
  const body = code.slice(start, code.indexOf('areturn', start));
  const lines = body.split('\n');
  const defaults = new Map();
  for (let i = 1; i < lines.length; i++) {
    const put = lines[i].match(/putfield .*\/\/ Field (\w+):/);
    if (!put || put[1].startsWith('_')) continue;
    const value = constantPushed(lines[i - 1]);
    if (value !== undefined) defaults.set(put[1], value);
  }
  return defaults;
}

function camel(snake) {
  return snake.toLowerCase().replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

function messageBody(name) {
  const src = javap(name);
  const defaults = defaultsOf(name);
  const lines = src.split('\n');
  let lastField;
  const fields = [];
  for (const line of lines) {
    const decl = line.match(/^\s+private (?:final )?([\w.$<>[\]]+) ([a-zA-Z]\w*);$/);
    if (decl) lastField = { javaType: decl[1], javaName: decl[2] };
    const num = line.match(/private static final int _(\w+)_FIELD_NUMBER = (\d+);/);
    if (num) fields.push({ snake: num[1].toLowerCase(), number: Number(num[2]), ...lastField });
    const tag = line.match(/private static final int _(\w+)_TAG = (\d+);/);
    if (tag) {
      const f = fields.find((x) => x.snake === tag[1].toLowerCase());
      if (f) f.wire = Number(tag[2]) & 7;
    }
  }
  const out = [`message ${name} {`];
  for (const f of fields) {
    let type = f.javaType;
    let label = 'optional';
    let packed = false;
    const list = type.match(/^java\.util\.List<(.+)>$/);
    if (list) {
      label = 'repeated';
      type = list[1];
    } else if (type.endsWith('[]') && type !== 'byte[]') {
      label = 'repeated';
      type = type.slice(0, -2);
      packed = f.wire === 2;
    }
    const protoType = scalarType(type, label === 'repeated' && packed ? undefined : f.wire);
    const options = [];
    if (packed) options.push('packed = true');
    const def = defaults.get(f.javaName) ?? defaults.get(camel(f.snake));
    if (label === 'optional' && def !== undefined) {
      const isEnumType = enumNames.has(protoType);
      if (isEnumType || def !== '0') {
        if (protoType === 'bool') options.push(`default = ${def === '1' ? 'true' : 'false'}`);
        else options.push(`default = ${def}`);
      }
    }
    const opt = options.length > 0 ? ` [${options.join(', ')}]` : '';
    out.push(`  ${label} ${protoType} ${f.snake} = ${f.number}${opt};`);
  }
  for (const nested of classes.filter((c) => c.startsWith(`${name}$`)))
    out.push(enumBody(nested, '  ').trimEnd());
  out.push('}\n');
  return out.join('\n');
}

const version = jar.match(/pulsar-common-([\w.-]+)\.jar$/)?.[1] ?? 'unknown';
const parts = [
  `// Reconstructed by scripts/reconstruct-proto.mjs from org.apache.pulsar:pulsar-common:${version}`,
  "// (Apache License 2.0). Field names, numbers, types and defaults match that release's wire format.",
  'syntax = "proto2";',
  'package pulsar.proto;',
  '',
];
for (const c of classes.filter((c) => !c.includes('$')).sort()) {
  const src = javap(c);
  parts.push(isEnum(src) ? enumBody(c, '') : messageBody(c));
}
process.stdout.write(parts.join('\n'));
