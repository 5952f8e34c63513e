export { type CsvToSqliteOptions, type PriceUpdate, runCsvToSqlite } from './csv-to-sqlite.js';
