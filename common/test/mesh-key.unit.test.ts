import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatMeshKey, generateMeshKey, MESH_KEY_BYTES, MeshKeyError, parseMeshKey } from '../mesh-key.js';

test('a key is written as 64 hex characters and a newline, and read back the same', () => {
  const key = generateMeshKey();
  assert.is(key.length, MESH_KEY_BYTES);
  const text = formatMeshKey(key);
  assert.match(text, /^[0-9a-f]{64}\n$/);
  assert.equal(parseMeshKey(text), key);
  assert.equal(parseMeshKey(text.trimEnd()), key, 'without the newline');
  assert.equal(parseMeshKey(text.trimEnd().toUpperCase() + '\r\n'), key, 'upper case, a Windows line ending');
});

test('anything but one key on one line is refused with one sentence naming the file', () => {
  const hex = 'ab'.repeat(32);
  for (const bad of [
    '',
    'hunter2\n',
    hex.slice(2),
    hex + 'ab',
    ` ${hex}`,
    `${hex} \n`,
    `${hex}\n\n`,
    `${hex}\n${hex}\n`,
    'zz'.repeat(32),
    '\u00e9'.repeat(64),
  ]) {
    try {
      parseMeshKey(bad, 'keys/mesh.key');
      assert.unreachable(`accepted ${JSON.stringify(bad)}`);
    } catch (err) {
      assert.instance(err, MeshKeyError);
      assert.is((err as MeshKeyError).problem, 'malformed');
      assert.match((err as Error).message, /^keys\/mesh\.key is not a mesh key: it must hold exactly 64 hexadecimal/);
      assert.not.match((err as Error).message, /\n/);
    }
  }
  assert.throws(() => formatMeshKey(Buffer.alloc(16)), /32 bytes/);
});

test.run();
