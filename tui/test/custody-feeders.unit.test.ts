import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FilesFeeder } from '../feeders/files-feeder.js';
import { LogFeeder } from '../feeders/log-feeder.js';
import { TransfersFeeder } from '../feeders/transfers-feeder.js';
import { fileLines } from '../panel-text.js';
import { untag } from './events.js';

test('the log tells the handoff, the custody and the return in words', () => {
  const log = new LogFeeder();
  const t = 1;
  log.apply({ event: 'handoff-started', to: 's2', files: ['plans.bin'], bytes: 3_145_733, t });
  log.apply({ event: 'handoff-complete', to: 's2', files: ['plans.bin'], bytes: 3_145_733, t });
  log.apply({ event: 'custody-received', owner: 's1', files: ['a', 'b', 'c', 'd'], bytes: 10, t });
  log.apply({ event: 'files-returned', from: 's2', files: ['plans.bin'], bytes: 3_145_733, t });
  log.apply({ event: 'handoff-failed', to: '', files: ['x'], bytes: 1, reason: 'no other member is live', t });
  log.apply({ event: 'backup-synced', files: 2, bytes: 2048, missing: 0, t });
  const text = log.view().lines.map((l) => l.text);
  assert.match(text[0]!, /handing plans\.bin \(3\.0 MB\) to s2 before leaving/);
  assert.match(text[1]!, /s2 keeps plans\.bin/);
  assert.match(text[2]!, /keeping a, b, c and 1 more \(10 B\) for s1/);
  assert.match(text[3]!, /back from s2: plans\.bin/);
  assert.match(text[4]!, /not handed off: x: no other member is live/);
  assert.match(text[5]!, /backup: 2 files \(2\.0 KB\) kept, all the mesh holds/);
});

test('the files panel lists custody copies apart, marked for their owner', () => {
  const files = new FilesFeeder();
  files.apply({
    event: 'files',
    shared: [{ name: 'mine.txt', size: 5 }],
    downloads: [],
    settling: [],
    custody: [{ owner: 's1', file: 'plans.bin', bytes: 2048, sha256: 'a'.repeat(64) }],
    t: 1,
  });
  const rows = fileLines(files.view(), 60, 10, true).map(untag);
  assert.ok(rows.some((r) => /^S mine\.txt/.test(r)));
  assert.ok(
    rows.some((r) => /^K plans\.bin \(for s1\) +2\.0 KB/.test(r)),
    rows.join('\n'),
  );
});

test('a custody transfer gets a Transfers row like a download, marked for its owner, then verified', () => {
  const transfers = new TransfersFeeder();
  const row = { event: 'custody-transfer', owner: 's1', file: 'plans.bin', bytes: 1000 } as const;
  transfers.apply({ ...row, received: 250, state: 'active', t: 1000 });
  transfers.apply({ ...row, received: 750, state: 'active', t: 2000 });
  let view = transfers.view(3000).rows;
  assert.is(view.length, 1);
  assert.equal(
    [view[0]!.file, view[0]!.peer, view[0]!.state, view[0]!.fraction],
    ['plans.bin (for s1)', 's1', 'active', 0.75],
  );
  transfers.apply({ ...row, received: 1000, state: 'verified', t: 2500 });
  view = transfers.view(3000).rows;
  assert.equal([view[0]!.state, view[0]!.done], ['verified', 1000]);
});

test.run();
