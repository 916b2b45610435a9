/**
 * The "hashes ready" log line, real processes on loopback: said once per change of what a peer holds (never twice
 * for one change, however many rescans and publishes overlap while a big file is hashed), with the right plural.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh } from '../../harness/mesh.js';
import { writeRandomFile } from '../../harness/random-file.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('"hashes ready" is said once per change, with the right plural', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    mesh.seed('one', { 'single.txt': 'just one' });
    const one = await mesh.startPeer('one');
    const single = await one.waitHashed();
    const m = await mesh.startPeer('m');
    await m.waitHashed();
    // Eleven files dropped in while it runs, one of them big enough that hashing it takes a while.
    const shared = join(m.dir, 'shared');
    writeRandomFile(join(shared, 'big.bin'), 400 * MiB);
    for (let i = 0; i < 10; i++) writeFileSync(join(shared, `small-${i}.txt`), randomBytes(1000));
    await m.waitFor((e) => e.event === 'log' && /^hashes ready for 11 held files;/.test(e.message), 60_000);
    await sleep(3000);
    const ready = m.events.flatMap((e) => (e.event === 'log' && e.message.startsWith('hashes ready') ? [e] : []));
    const said = ready.map((e) => `${e.message} @${e.t}`);
    assert.is(new Set(ready.map((e) => e.message)).size, ready.length, `said again: ${JSON.stringify(said)}`);
    assert.is(new Set(ready.map((e) => e.t)).size, ready.length, `in the same millisecond: ${JSON.stringify(said)}`);
    assert.match(single.event === 'log' ? single.message : '', /^hashes ready for 1 held file;/);
  } finally {
    await mesh.close();
  }
});

test.run();
