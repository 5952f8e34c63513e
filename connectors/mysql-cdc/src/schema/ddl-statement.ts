import type { TableId } from './table-schema.js';

/** What a DDL statement did to one table (Debezium's table-change types, plus RENAME and TRUNCATE). */
export interface TableChange extends TableId {
  readonly type: 'CREATE' | 'ALTER' | 'DROP' | 'RENAME' | 'TRUNCATE';
  /** RENAME: the table's name before. */
  readonly previous?: TableId;
}

/**
 * A binlog statement, classified: `tables` changed tables (their columns come with the next
 * rows, from the table map), `other` needs nothing (users, views, routines, databases,
 * maintenance), `unknown` is a statement the tracker cannot read.
 */
export type DdlStatement =
  | { readonly kind: 'tables'; readonly changes: readonly TableChange[] }
  | { readonly kind: 'other' }
  | { readonly kind: 'unknown' };

interface Token {
  readonly text: string;
  /** Bare word (keyword or unquoted identifier), quoted identifier, string literal or punctuation. */
  readonly type: 'word' | 'quoted' | 'string' | 'punct';
}

/** Statements that never change a table's columns or rows as the connector sees them. */
const OTHER_STATEMENTS = new Set([
  'GRANT',
  'REVOKE',
  'SET',
  'FLUSH',
  'ANALYZE',
  'OPTIMIZE',
  'REPAIR',
  'CHECK',
  'SAVEPOINT',
  'ROLLBACK',
  'RELEASE',
  'XA',
  'BEGIN',
  'COMMIT',
  'START',
  'INSTALL',
  'UNINSTALL',
  'USE',
  'DO',
  'CALL',
  // Statement-logged DML only reaches the binlog for tables outside row logging (system tables).
  'INSERT',
  'UPDATE',
  'DELETE',
  'REPLACE',
]);

/** Objects of CREATE/ALTER/DROP that are not tables. */
const OTHER_OBJECTS = new Set([
  'DATABASE',
  'SCHEMA',
  'VIEW',
  'TRIGGER',
  'PROCEDURE',
  'FUNCTION',
  'EVENT',
  'USER',
  'ROLE',
  'SERVER',
  'SEQUENCE',
  'AGGREGATE',
  'PACKAGE',
  'TABLESPACE',
  'LOGFILE',
  'INSTANCE',
]);

/** Words that may stand between CREATE/ALTER/DROP and the object keyword. */
const MODIFIERS = new Set([
  'OR',
  'REPLACE',
  'ONLINE',
  'OFFLINE',
  'IGNORE',
  'UNIQUE',
  'FULLTEXT',
  'SPATIAL',
  'TEMPORARY',
]);

/** Parses the statement of a binlog query event; unqualified names are in `defaultDb`. */
export function parseDdl(sql: string, defaultDb: string): DdlStatement {
  const tokens = tokenize(sql);
  if (tokens === undefined) return { kind: 'unknown' };
  return new DdlParser(tokens, defaultDb).statement();
}

class DdlParser {
  private at = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly defaultDb: string,
  ) {}

  statement(): DdlStatement {
    const first = this.word();
    if (first === undefined) return this.tokens.length === 0 ? { kind: 'other' } : { kind: 'unknown' };
    if (OTHER_STATEMENTS.has(first)) return { kind: 'other' };
    if (first === 'TRUNCATE') {
      this.accept('TABLE');
      return this.changes('TRUNCATE', [this.tryTableName()]);
    }
    if (first === 'RENAME') return this.rename();
    if (first === 'CREATE' || first === 'ALTER' || first === 'DROP') return this.objectStatement(first);
    return { kind: 'unknown' };
  }

  private objectStatement(verb: 'CREATE' | 'ALTER' | 'DROP'): DdlStatement {
    let temporary = false;
    for (;;) {
      const word = this.peekWord();
      if (word === 'DEFINER' || word === 'ALGORITHM' || word === 'SQL') return { kind: 'other' }; // views, routines
      if (word === undefined || !MODIFIERS.has(word)) break;
      if (word === 'TEMPORARY') temporary = true;
      this.at++;
    }
    const object = this.word();
    if (object === undefined) return { kind: 'unknown' };
    if (OTHER_OBJECTS.has(object)) return { kind: 'other' };
    if (object === 'INDEX' || object === 'KEY') return this.indexStatement();
    if (object !== 'TABLE') return { kind: 'unknown' };
    // Temporary tables are never row-logged: nothing captured can change.
    if (temporary) return { kind: 'other' };
    this.ifExists();
    if (verb === 'DROP') {
      const names = [this.tryTableName()];
      while (this.acceptPunct(',')) names.push(this.tryTableName());
      return this.changes('DROP', names);
    }
    const table = this.tryTableName();
    if (table === undefined) return { kind: 'unknown' };
    if (verb === 'CREATE') return this.changes('CREATE', [table]);
    const renamedTo = this.alterRenameTarget();
    if (renamedTo === null) return { kind: 'unknown' };
    if (renamedTo === undefined) return this.changes('ALTER', [table]);
    return { kind: 'tables', changes: [{ type: 'RENAME', ...renamedTo, previous: table }] };
  }

  /** `CREATE|DROP [UNIQUE…] INDEX name [USING …] ON table`: an ALTER of the table. */
  private indexStatement(): DdlStatement {
    this.ifExists();
    while (this.at < this.tokens.length && this.peekWord() !== 'ON') this.at++;
    if (!this.accept('ON')) return { kind: 'unknown' };
    return this.changes('ALTER', [this.tryTableName()]);
  }

  /** `RENAME TABLE a TO b [, c TO d]` (or `RENAME USER`: other). */
  private rename(): DdlStatement {
    if (!this.accept('TABLE') && !this.accept('TABLES'))
      return this.peekWord() === 'USER' ? { kind: 'other' } : { kind: 'unknown' };
    const changes: TableChange[] = [];
    do {
      const previous = this.tryTableName();
      const next = previous !== undefined && this.accept('TO') ? this.tryTableName() : undefined;
      if (previous === undefined || next === undefined) return { kind: 'unknown' };
      changes.push({ type: 'RENAME', ...next, previous });
    } while (this.acceptPunct(','));
    return { kind: 'tables', changes };
  }

  /**
   * The new name when an ALTER TABLE renames the table (`RENAME [TO|AS] name`, not `RENAME
   * COLUMN|INDEX|KEY`): undefined when it does not, null when the clause is unreadable.
   */
  private alterRenameTarget(): TableId | undefined | null {
    let depth = 0;
    for (; this.at < this.tokens.length; this.at++) {
      const token = this.tokens[this.at] as Token;
      if (token.type === 'punct' && token.text === '(') depth++;
      else if (token.type === 'punct' && token.text === ')') depth--;
      else if (depth === 0 && token.type === 'word' && token.text.toUpperCase() === 'RENAME') {
        const next = this.tokens[this.at + 1];
        const nextWord = next?.type === 'word' ? next.text.toUpperCase() : undefined;
        if (nextWord === 'COLUMN' || nextWord === 'INDEX' || nextWord === 'KEY') continue;
        this.at++;
        if (!this.accept('TO')) this.accept('AS');
        const target = this.tryTableName();
        return target ?? null;
      }
    }
    return undefined;
  }

  private changes(type: TableChange['type'], tables: readonly (TableId | undefined)[]): DdlStatement {
    if (tables.some((t) => t === undefined)) return { kind: 'unknown' };
    return { kind: 'tables', changes: (tables as TableId[]).map((t) => ({ type, ...t })) };
  }

  private ifExists(): void {
    const save = this.at;
    if (this.accept('IF')) {
      this.accept('NOT');
      if (!this.accept('EXISTS')) this.at = save;
    }
  }

  private tryTableName(): TableId | undefined {
    const first = this.identifier();
    if (first === undefined) return undefined;
    if (!this.acceptPunct('.')) return { db: this.defaultDb, table: first };
    const second = this.identifier();
    return second === undefined ? undefined : { db: first, table: second };
  }

  private identifier(): string | undefined {
    const token = this.tokens[this.at];
    if (token === undefined || (token.type !== 'word' && token.type !== 'quoted')) return undefined;
    this.at++;
    return token.text;
  }

  private word(): string | undefined {
    const word = this.peekWord();
    if (word !== undefined) this.at++;
    return word;
  }

  private peekWord(): string | undefined {
    const token = this.tokens[this.at];
    return token?.type === 'word' ? token.text.toUpperCase() : undefined;
  }

  private accept(word: string): boolean {
    if (this.peekWord() !== word) return false;
    this.at++;
    return true;
  }

  private acceptPunct(text: string): boolean {
    const token = this.tokens[this.at];
    if (token?.type !== 'punct' || token.text !== text) return false;
    this.at++;
    return true;
  }
}

/**
 * Splits SQL into tokens. Comments go, except the executable ones (`/*!50100 … *\/`,
 * `/*M!100100 … *\/`), whose text counts. Undefined for an unterminated quote or comment.
 */
function tokenize(sql: string): Token[] | undefined {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (/\s/.test(c) || c === ';') {
      i++;
    } else if (c === '#' || (c === '-' && sql[i + 1] === '-' && /\s/.test(sql[i + 2] ?? ' '))) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const executable = /^\/\*M?!\d*/.exec(sql.slice(i, i + 12));
      if (executable !== null) {
        // Keep the body: drop the opener here and the closer when reached.
        sql = `${sql.slice(0, i)} ${sql.slice(i + executable[0].length).replace('*/', ' ')}`;
        continue;
      }
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) return undefined;
      i = end + 2;
    } else if (c === '`' || c === '"' || c === "'") {
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) return undefined;
        const d = sql[j] as string;
        if (d === '\\' && c !== '`') {
          text += sql[j + 1] ?? '';
          j += 2;
        } else if (d === c && sql[j + 1] === c) {
          text += c;
          j += 2;
        } else if (d === c) break;
        else {
          text += d;
          j++;
        }
      }
      // Double-quoted names are strings unless ANSI_QUOTES; a string never names a table here.
      tokens.push({ text, type: c === '`' ? 'quoted' : 'string' });
      i = j + 1;
    } else if (/[\p{L}\p{N}_$@]/u.test(c)) {
      let j = i;
      while (j < sql.length && /[\p{L}\p{N}_$@]/u.test(sql[j] as string)) j++;
      tokens.push({ text: sql.slice(i, j), type: 'word' });
      i = j;
    } else {
      tokens.push({ text: c, type: 'punct' });
      i++;
    }
  }
  return tokens;
}
