import { describe, expect, it } from 'vitest';
import { CanalJsonDeserializationSchema, CanalJsonSerializationSchema } from './index.js';

// The #regions below are the snippets of formats/canal-json/README.md and
// docs/formats/canal-json.md (docs-sections.test.ts copies them there), so every snippet runs.

describe('Canal JSON docs examples', () => {
  it('reads a Canal UPDATE', () => {
    // #region canal-read
    const deserializer = new CanalJsonDeserializationSchema({
      databaseInclude: 'shop',
      tableInclude: 'accounts|orders',
    });
    const message = new TextEncoder().encode(
      '{"data":[{"id":"1","balance":"12.30","note":"vip"}],"old":[{"balance":"10.00"}],' +
        '"database":"shop","table":"accounts","es":1733450001000,"ts":1733450001234,"isDdl":false,"type":"UPDATE","pkNames":["id"]}',
    );
    const records = deserializer.deserialize(message);
    // records: [{ op: 'u', before: { id: '1', balance: '10.00', note: 'vip' }, after: { id: '1', balance: '12.30', note: 'vip' },
    //   source: { db: 'shop', table: 'accounts', tsMs: 1733450001000 }, tsMs: 1733450001234, schema: { pkNames: ['id'] } }]
    // #endregion canal-read
    expect(records).toEqual([
      {
        op: 'u',
        before: { id: '1', balance: '10.00', note: 'vip' },
        after: { id: '1', balance: '12.30', note: 'vip' },
        source: { db: 'shop', table: 'accounts', tsMs: 1733450001000 },
        tsMs: 1733450001234,
        schema: { pkNames: ['id'] },
      },
    ]);
  });

  it('writes a Canal UPDATE', () => {
    // #region canal-write
    const serializer = new CanalJsonSerializationSchema();
    const bytes = serializer.serialize({
      op: 'u',
      before: { id: '1', balance: '10.00', note: 'vip' },
      after: { id: '1', balance: '12.30', note: 'vip' },
      source: { db: 'shop', table: 'accounts', tsMs: 1733450001000 },
    });
    // '{"data":[{"id":"1","balance":"12.30","note":"vip"}],"database":"shop","es":1733450001000,
    //   "isDdl":false,"table":"accounts","ts":0,"type":"UPDATE","old":[{"balance":"10.00"}]}'
    // #endregion canal-write
    expect(new TextDecoder().decode(bytes)).toBe(
      '{"data":[{"id":"1","balance":"12.30","note":"vip"}],"database":"shop","es":1733450001000,"isDdl":false,"table":"accounts","ts":0,"type":"UPDATE","old":[{"balance":"10.00"}]}',
    );
  });
});
