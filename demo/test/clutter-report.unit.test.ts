/**
 * What `npm run unclutter` says (demo/clutter-report.ts), from made-up scans: the listing, the warnings about a
 * person's files and the mesh key, the one sentence for folders in use, and the sentence for nothing to do.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inUseSentence, listingLines, nothingSentence, warningLines } from '../clutter-report.js';
import type { ClutterItem, ClutterScan } from '../clutter-scan.js';

function item(over: Partial<ClutterItem>): ClutterItem {
  return {
    kind: 'peer',
    path: '/home/ann/mesh/peers/s1',
    shown: 'peers/s1/',
    total: { files: 3, bytes: 2048 },
    userFiles: { files: 0, bytes: 0, folders: [] },
    inUse: null,
    ...over,
  };
}

const scan = (items: ClutterItem[], skipped: ClutterScan['skipped'] = []): ClutterScan => ({
  dir: '/home/ann/mesh',
  tmp: '/tmp',
  items,
  skipped,
});

test('the listing names every folder with its size, then what stays and why', () => {
  const lines = listingLines(
    scan(
      [item({}), item({ kind: 'server-state', shown: '.meshshare/', total: { files: 1, bytes: 65 } })],
      [{ shown: 'peers/link', reason: 'a link (to /srv): links are not followed' }],
    ),
  );
  assert.equal(lines, [
    'In /home/ann/mesh:',
    'to remove:',
    '  peers/s1/    a peer folder: 3 files, 2.0 KB',
    "  .meshshare/  the metadata server's state folder: 1 file, 65 B",
    'left alone:',
    '  peers/link: a link (to /srv): links are not followed',
  ]);
});

test("a peer folder holding a person's files, and the mesh key, are warned about", () => {
  const lines = warningLines(
    scan([
      item({ userFiles: { files: 2, bytes: 3 * 1024 * 1024, folders: ['shared/', 'Downloads/'] } }),
      item({ shown: 'peers/s2/' }),
      item({ kind: 'server-state', shown: '.meshshare/' }),
    ]),
  );
  assert.is(lines.length, 2);
  assert.is(lines[0], 'warning: peers/s1/ holds 2 files, 3.0 MB in shared/, Downloads/: they will be deleted too');
  assert.match(lines[1]!, /^warning: \.meshshare\/ holds the mesh key/);
});

test('folders in use make one sentence naming each and its process; none in use, none', () => {
  assert.is(inUseSentence([item({})]), null);
  const sentence = inUseSentence([
    item({ inUse: { pid: 41, what: 'peer' } }),
    item({ kind: 'server-state', shown: '.meshshare/', inUse: { pid: 42, what: 'metadata server' } }),
  ]);
  assert.is(
    sentence,
    'peers/s1/ is in use by a running peer (process 41); .meshshare/ is in use by a running metadata server ' +
      '(process 42): stop them first (Stop on a peer, Ctrl-C on the metadata server), then run unclutter again',
  );
});

test('nothing to do says where it looked', () => {
  assert.match(nothingSentence(scan([])), /^nothing to remove in \/home\/ann\/mesh: .* no demo folder left in \/tmp$/);
});

test.run();
