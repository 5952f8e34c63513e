import { tributaryPlugin as elasticsearch } from '@tributary/connector-elasticsearch';
import { tributaryPlugin as files } from '@tributary/connector-files';
import { tributaryPlugin as jdbc } from '@tributary/connector-jdbc';
import { tributaryPlugin as kafka } from '@tributary/connector-kafka';
import { tributaryPlugin as kinesis } from '@tributary/connector-kinesis';
import { tributaryPlugin as mysqlCdc } from '@tributary/connector-mysql-cdc';
import { tributaryPlugin as pulsar } from '@tributary/connector-pulsar';
import { tributaryPlugin as csv } from '@tributary/format-csv';
import { tributaryPlugin as json } from '@tributary/format-json';
import { tributaryPlugin as parquet } from '@tributary/format-parquet';
import type { InstalledPlugin } from '../src/plugins/discover-plugins.js';

const connector = (packageName: string, plugin: InstalledPlugin['plugin']): InstalledPlugin => ({
  packageName,
  version: '0.0.0',
  kind: 'connector',
  plugin,
});
const format = (packageName: string, plugin: InstalledPlugin['plugin']): InstalledPlugin => ({
  packageName,
  version: '0.0.0',
  kind: 'format',
  plugin,
});

/** The workspace's connectors and formats, as discovery would report them (for unit tests). */
export const testPlugins: InstalledPlugin[] = [
  connector('@tributary/connector-elasticsearch', elasticsearch),
  connector('@tributary/connector-files', files),
  connector('@tributary/connector-jdbc', jdbc),
  connector('@tributary/connector-kafka', kafka),
  connector('@tributary/connector-kinesis', kinesis),
  connector('@tributary/connector-mysql-cdc', mysqlCdc),
  connector('@tributary/connector-pulsar', pulsar),
  format('@tributary/format-csv', csv),
  format('@tributary/format-json', json),
  format('@tributary/format-parquet', parquet),
];
