import { Buffer } from 'node:buffer';
import fc from 'fast-check';

/** A schema covering every Avro type the tests round-trip. */
export const orderSchema = {
  type: 'record',
  name: 'Order',
  namespace: 'test',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'qty', type: 'int' },
    { name: 'customer', type: 'string' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'price', type: 'double' },
    { name: 'ratio', type: 'float' },
    { name: 'paid', type: 'boolean' },
    { name: 'blob', type: 'bytes' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'attrs', type: { type: 'map', values: 'int' } },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'SHIPPED'] } },
  ],
} as const;

/** Strings with quotes, delimiters, line breaks and non-BMP characters. */
export const trickyString = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('', '"', ',', '\n', '\r\n', '\u0000', '𝄞', 'Obj\u0001'),
);

/** Records valid for {@link orderSchema}. */
export const orderRecord = fc.record({
  id: fc.maxSafeInteger(),
  qty: fc.integer(),
  customer: trickyString,
  note: fc.option(trickyString, { nil: null }),
  price: fc.double(),
  ratio: fc.float(),
  paid: fc.boolean(),
  blob: fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)),
  tags: fc.array(trickyString, { maxLength: 3 }),
  attrs: fc.dictionary(
    fc.string().filter((k) => k !== '__proto__'),
    fc.integer(),
    { maxKeys: 3 },
  ),
  status: fc.constantFrom('NEW', 'PAID', 'SHIPPED'),
});
