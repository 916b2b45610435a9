/** How the dashboard shows an `ambiguous` answer (docs/CONTRACT.md "Choosing among contents"). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogFeeder } from '../feeders/log-feeder.js';
import { StatusFeeder } from '../feeders/status-feeder.js';
import { TransfersFeeder } from '../feeders/transfers-feeder.js';
import { at } from './events.js';

const ambiguous = at(5, {
  event: 'ambiguous',
  download: 'd1',
  file: 'notes.txt',
  cmd: 1,
  choices: [
    { sha256: 'b'.repeat(64), bytes: 2048, holders: ['s2', 's3'] },
    { sha256: 'a'.repeat(64), bytes: 25, holders: ['s1'] },
  ],
});

test('the log shows one line per content (digest, size, holders) and how to choose', () => {
  const f = new LogFeeder();
  f.apply(ambiguous);
  const text = f.view().lines.map((l) => l.text);
  assert.is(text[0], 'notes.txt: 2 different contents under this name, nothing fetched:');
  assert.match(text[1]!, /sha256 bbbbbbbbbbbb .*2(\.0)? KB\s+from s2, s3$/);
  assert.match(text[2]!, /sha256 aaaaaaaaaaaa .*25 B\s+from s1$/);
  assert.is(text[3], '  choose: notes.txt from s2  or  notes.txt sha256 bbbbbbbbbbbb');
});

test('the status line says how to choose, and the Transfers row ends as ambiguous', () => {
  const status = new StatusFeeder();
  status.apply(ambiguous);
  assert.match(status.view().text, /notes\.txt: 2 different contents; type notes\.txt from PEER or notes\.txt sha256/);
  const transfers = new TransfersFeeder();
  transfers.apply(ambiguous);
  const row = transfers.view(6).rows.find((r) => r.file === 'notes.txt');
  assert.ok(row && /ambiguous/.test(JSON.stringify(row)), JSON.stringify(transfers.view(6)));
});

test.run();
