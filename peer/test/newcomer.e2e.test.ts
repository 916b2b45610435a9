/**
 * What a newcomer looks for, with real processes on loopback (docs/CONTRACT.md "Peer commands"): a name that matches
 * nothing gets close names, `cancel` stops a download keeping its pieces (or discarding them), `partials` lists what
 * is kept, and `--downloads DIR` puts downloads elsewhere.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh } from '../../harness/mesh.js';

/** Waits (at most 5 s) until `ok` holds. */
async function until(ok: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + 5000; !ok(); await new Promise((r) => setTimeout(r, 50)))
    if (Date.now() > end) assert.unreachable(what);
}

test('a name that matches nothing gets not-found with close names from the index, and says "did you mean"', async () => {
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    mesh.seed('a', { 'dataset-4mb.bin': 'data', 'notes.txt': 'the notes' });
    const a = await mesh.startPeer('a');
    await a.waitHashed();
    const b = await mesh.startPeer('b');
    const missing = await b.ask('dataset', (e) => e.event === 'not-found' && e.cmd === 1, 15_000);
    assert.ok(missing.event === 'not-found');
    if (missing.event !== 'not-found') return;
    assert.equal(missing.suggestions, ['dataset-4mb.bin']);
    assert.match(missing.message ?? '', /did you mean dataset-4mb\.bin\?/);
    await until(() => /did you mean dataset-4mb\.bin\?/.test(b.stderr), 'the sentence on stderr too');
    const none = await b.ask('zzzzzz', (e) => e.event === 'not-found' && e.cmd === 2, 15_000);
    assert.ok(none.event === 'not-found' && none.suggestions?.length === 0, JSON.stringify(none));
    // Exactly one terminal event per download command.
    assert.is(b.events.filter((e) => e.event === 'not-found').length, 2);
  } finally {
    await mesh.close();
  }
});

test.run();
