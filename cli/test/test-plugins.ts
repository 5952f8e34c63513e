import { tributaryPlugin as files } from '@tributary/connector-files';
import { tributaryPlugin as kafka } from '@tributary/connector-kafka';
import { tributaryPlugin as csv } from '@tributary/format-csv';
import { tributaryPlugin as json } from '@tributary/format-json';
import { tributaryPlugin as parquet } from '@tributary/format-parquet';
import type { InstalledPlugin } from '../src/plugins/discover-plugins.js';

/** The workspace's files and Kafka connectors and formats, as discovery would report them (for unit tests). */
export const testPlugins: InstalledPlugin[] = [
  { packageName: '@tributary/connector-files', version: '0.0.0', kind: 'connector', plugin: files },
  { packageName: '@tributary/connector-kafka', version: '0.0.0', kind: 'connector', plugin: kafka },
  { packageName: '@tributary/format-csv', version: '0.0.0', kind: 'format', plugin: csv },
  { packageName: '@tributary/format-json', version: '0.0.0', kind: 'format', plugin: json },
  { packageName: '@tributary/format-parquet', version: '0.0.0', kind: 'format', plugin: parquet },
];
