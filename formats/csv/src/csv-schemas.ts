import {
  type DeserializationSchema,
  type RecordOrigin,
  recordInvalidError,
  type SerializationSchema,
  snippetOf,
} from '@tributary/core';
import { dialectOf } from './csv-dialect.js';
import { type CsvFormatConfig, CsvFormatOptions, resolveColumns } from './csv-format-options.js';
import { CsvLineEncoder } from './csv-line-encoder.js';
import { CsvRecordAssembler } from './csv-record-assembler.js';
import { BAD_RECORD, CsvRecordConverter } from './csv-record-converter.js';

/**
 * Decodes a message holding one CSV record (a trailing line break is allowed). Names and types come
 * from `columns` (`header` does not apply to messages); without them the record is an array of
 * strings. Errors are `TRIB_RECORD_INVALID` naming origin and column.
 */
export class CsvDeserializationSchema<T = unknown> implements DeserializationSchema<T> {
  private readonly assembler: CsvRecordAssembler;
  private readonly converter: CsvRecordConverter;
  private readonly decoder = new TextDecoder();

  constructor(options: CsvFormatConfig = {}) {
    const resolved = CsvFormatOptions.parse(options);
    this.assembler = new CsvRecordAssembler({ ...dialectOf(resolved), newlinesInQuotedFields: true });
    this.converter = new CsvRecordConverter(
      resolveColumns(resolved),
      resolved.timeZone,
      resolved.nullLiteral,
    );
  }

  deserialize(bytes: Uint8Array, origin?: RecordOrigin): T {
    let text = this.decoder.decode(bytes);
    if (text.endsWith('\n')) text = text.slice(0, text.endsWith('\r\n') ? -2 : -1);
    const lines = text.split('\n');
    let complete = false;
    for (let i = 0; i < lines.length; i++) {
      if (complete)
        throw recordInvalidError('Invalid CSV message: it holds more than one record', { origin });
      complete = this.assembler.feed(lines[i] as string);
    }
    if (!complete) this.assembler.finish();
    const snippet = snippetOf(text);
    if (this.assembler.problem !== undefined) {
      throw recordInvalidError(`Invalid CSV message: ${this.assembler.problem}`, {
        origin,
        column: this.assembler.problemColumn,
        snippet,
      });
    }
    const value = this.converter.convertAssembled(this.assembler);
    if (value === BAD_RECORD) {
      const { reason, column, field } = this.converter.problem;
      throw recordInvalidError(`Invalid CSV message: ${reason}`, { origin, column, field, snippet });
    }
    return value as T;
  }
}

/** Encodes one record as one CSV line (no line terminator), quoting as the file writer does. */
export class CsvSerializationSchema<T = unknown> implements SerializationSchema<T> {
  private readonly encoder: CsvLineEncoder;
  private readonly textEncoder = new TextEncoder();

  constructor(options: CsvFormatConfig = {}) {
    this.encoder = new CsvLineEncoder(CsvFormatOptions.parse(options));
  }

  serialize(value: T): Uint8Array {
    return this.textEncoder.encode(this.encoder.line(value, 0));
  }
}
