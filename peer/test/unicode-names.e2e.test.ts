/**
 * File names in other scripts end to end, real processes on loopback: a holder shares a Chinese name, an emoji name
 * and a name with a decomposed accent (as macOS writes it); another peer lists, finds, asks where and downloads each,
 * typing `café` composed (docs/PROTOCOL.md "File names": names match in NFC, are saved as the holder spells them).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh, sha256, sha256File } from '../../harness/mesh.js';

const CJK = '数据集-报告.txt';
const PARTY = '🎉party.bin';
const CAFE_NFD = 'cafe\u0301.txt';
const CAFE_NFC = 'caf\u00e9.txt';

test('Chinese, emoji and decomposed names are listed, found and downloaded; café typed composed finds café stored decomposed', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const files = {
      [CJK]: Buffer.from('报告的内容 '.repeat(2000)),
      [PARTY]: Buffer.alloc(300_000, 7),
      [CAFE_NFD]: Buffer.from('un café, s’il vous plaît\n'),
    };
    mesh.seed('a', files);
    const a = await mesh.startPeer('a');
    await a.waitHashed();
    const b = await mesh.startPeer('b');

    const list = await b.ask('list', 'list', 10_000);
    const listed = list.event === 'list' ? list.files.map((f) => f.name) : [];
    for (const name of [CJK, PARTY, CAFE_NFD]) assert.ok(listed.includes(name), `${name} not in ${listed.join(', ')}`);

    const found = await b.ask('find 报告', 'find-results');
    assert.equal(found.event === 'find-results' ? found.files.map((f) => f.name) : [], [CJK]);
    const cafe = await b.ask('find CAFÉ', 'find-results');
    assert.equal(cafe.event === 'find-results' ? cafe.files.map((f) => f.name) : [], [CAFE_NFD]);
    const where = await b.ask(`where ${PARTY}`, 'where');
    assert.equal(where.event === 'where' ? where.holders.map((h) => h.name) : [], ['a']);

    for (const [typed, stored] of [
      [CJK, CJK],
      [PARTY, PARTY],
      [CAFE_NFC, CAFE_NFD],
    ] as const) {
      const done = await b.ask(typed, (e) => e.event === 'download-complete' || e.event === 'not-found', 20_000);
      assert.is(done.event, 'download-complete', `${typed}: ${JSON.stringify(done)}`);
      assert.is(sha256File(join(mesh.dirOf('b'), 'Downloads', stored)), sha256(files[stored]));
    }
    assert.equal(readdirSync(join(mesh.dirOf('b'), 'Downloads')).sort(), [CJK, PARTY, CAFE_NFD].sort());
    // Asked again under the other spelling, it is already here.
    assert.ok(await b.ask(CAFE_NFC, 'already-have'));
  } finally {
    await mesh.close();
  }
});

test.run();
