import { TributaryError } from '@tributary/core';
import { ElasticsearchErrorCodes } from '../elasticsearch-error-codes.js';
import { fieldValue } from './record-fields.js';

/**
 * A target index name, fixed or built per record: `{field}` is a record field's value,
 * `{field|yyyy.MM.dd}` formats a record field holding a date (epoch ms or ISO text) and
 * `{eventTime|yyyy.MM.dd}` the record's event time, in UTC (tokens `yyyy`, `MM`, `dd`, `HH`, `mm`).
 */
export type IndexNameResolver = (record: unknown, eventTime: number | undefined) => string;

const PLACEHOLDER = /\{([^{}|]+)(?:\|([^{}]+))?\}/g;

export function compileIndexName(template: string): IndexNameResolver {
  if (!template.includes('{')) return () => template;
  const parts: (string | { field: string; pattern: string | undefined })[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    parts.push(template.slice(last, match.index));
    parts.push({ field: (match[1] as string).trim(), pattern: match[2]?.trim() });
    last = match.index + match[0].length;
  }
  parts.push(template.slice(last));
  return (record, eventTime) => {
    let name = '';
    for (const part of parts) {
      if (typeof part === 'string') {
        name += part;
        continue;
      }
      const value = part.field === 'eventTime' ? eventTime : fieldValue(record, part.field);
      if (value === undefined || value === null) {
        throw new TributaryError(
          ElasticsearchErrorCodes.CONVERSION_FAILED,
          part.field === 'eventTime'
            ? `The index name "${template}" needs the record's event time, and the record has none (assign timestamps in the source or use a record field)`
            : `The index name "${template}" needs field "${part.field}", which the record lacks`,
          { context: { index: template, field: part.field } },
        );
      }
      name +=
        part.pattern === undefined
          ? String(value)
          : formatDate(toDate(value, template, part.field), part.pattern);
    }
    return name;
  };
}

function toDate(value: unknown, template: string, field: string): Date {
  const date = typeof value === 'number' || typeof value === 'string' ? new Date(value) : value;
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new TributaryError(
      ElasticsearchErrorCodes.CONVERSION_FAILED,
      `The index name "${template}" formats field "${field}" as a date, and its value is not one (epoch ms, ISO text or Date)`,
      { context: { index: template, field } },
    );
  }
  return date;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function formatDate(date: Date, pattern: string): string {
  return pattern.replace(/yyyy|MM|dd|HH|mm/g, (token) => {
    switch (token) {
      case 'yyyy':
        return pad(date.getUTCFullYear(), 4);
      case 'MM':
        return pad(date.getUTCMonth() + 1);
      case 'dd':
        return pad(date.getUTCDate());
      case 'HH':
        return pad(date.getUTCHours());
      default:
        return pad(date.getUTCMinutes());
    }
  });
}
