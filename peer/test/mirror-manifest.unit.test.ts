/**
 * The owner's versioned manifest (peer/mirror/owner-manifest.ts), the checks a mirror runs on a batch of changes
 * (peer/mirror/change-check.ts) and the name a conflict is kept under (peer/mirror/conflict-name.ts): pure units.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MirrorMessages } from '../../common/wire/mirror-messages.js';
import { batchProblem, versionProblem } from '../mirror/change-check.js';
import { conflictName } from '../mirror/conflict-name.js';
import { OwnerManifest, type CurrentFile } from '../mirror/owner-manifest.js';

const dir = mkdtempSync(join(tmpdir(), 'mirror-manifest-'));
let n = 0;
const fresh = (options = {}) => new OwnerManifest(join(dir, `m${++n}.json`), options);
const file = (path: string, sha: string, size = 1): CurrentFile => ({
  path,
  size,
  sha256: sha.repeat(64).slice(0, 64),
  mtimeMs: 1000,
  ino: 1,
});

test('every change raises the version; an unchanged file keeps its entry', () => {
  const m = fresh();
  assert.ok(m.apply([file('a', 'a'), file('docs/b', 'b')]));
  assert.is(m.seq, 2);
  assert.not.ok(m.apply([file('a', 'a'), file('docs/b', 'b')]), 'nothing changed');
  assert.ok(m.apply([file('a', 'c'), file('docs/b', 'b')]));
  assert.is(m.seq, 3);
  assert.is(m.entry('a')?.seq, 3);
  assert.is(m.entry('docs/b')?.seq, 2);
});

test('a mirror at a version gets only what changed after it, deletions included', () => {
  const m = fresh();
  m.apply([file('a', 'a'), file('b', 'b')]);
  const at = m.seq;
  m.apply([file('a', 'c')]); // a changed, b deleted
  const changes = m.changesSince(m.epoch, at);
  assert.is(changes.full, false);
  assert.equal(
    changes.files.map((f) => f.path),
    ['a'],
  );
  assert.equal(changes.deleted, [{ path: 'b', seq: m.seq }]);
  assert.equal(m.changesSince(m.epoch, m.seq), { full: false, files: [], deleted: [] });
});

test('a path that came and went after a mirror version is not mentioned to it', () => {
  const m = fresh();
  m.apply([file('a', 'a')]);
  const at = m.seq;
  m.apply([file('a', 'a'), file('tmp', 't')]);
  m.apply([file('a', 'a')]);
  assert.equal(m.changesSince(m.epoch, at).deleted, []);
});

test('another epoch, a version from the future or one older than the marks kept gets the full list', () => {
  const m = fresh({ maxMarks: 1 });
  m.apply([file('a', 'a'), file('b', 'b'), file('c', 'c')]);
  assert.ok(m.changesSince('other-epoch', 1).full);
  assert.ok(m.changesSince(m.epoch, m.seq + 1).full);
  m.apply([file('a', 'a')]); // b and c deleted: two marks, one kept
  const full = m.changesSince(m.epoch, 3);
  assert.ok(full.full);
  assert.equal(
    full.files.map((f) => f.path),
    ['a'],
  );
  assert.is(m.changesSince(m.epoch, m.seq - 1).full, false, 'a mirror past the mark dropped is told incrementally');
});

test('the epoch and version survive a restart; a lost or damaged file starts a new epoch', () => {
  const path = join(dir, 'kept.json');
  const m = new OwnerManifest(path);
  m.apply([file('a', 'a')]);
  m.save();
  const again = new OwnerManifest(path);
  assert.equal([again.epoch, again.seq, again.entry('a')?.sha256], [m.epoch, m.seq, m.entry('a')?.sha256]);
  writeFileSync(path, '{"epoch": 3}');
  const lost = new OwnerManifest(path);
  assert.is.not(lost.epoch, m.epoch);
  assert.is(lost.seq, 0);
});

test('changes applied but never saved (a crash, a failed save) start a new epoch on the next start', () => {
  const path = join(dir, 'dirty.json');
  const m = new OwnerManifest(path);
  m.apply([file('a', 'a')]);
  assert.ok(m.save());
  assert.is(new OwnerManifest(path).epoch, m.epoch, 'saved: the same epoch');
  m.apply([file('a', 'b')]); // served to mirrors at this version, then the process dies before saving
  const after = new OwnerManifest(path);
  assert.is.not(after.epoch, m.epoch);
  assert.is(after.entry('a')?.sha256, 'a'.repeat(64), 'the saved entries are kept');
  assert.ok(after.save());
  assert.is(new OwnerManifest(path).epoch, after.epoch, 'saved again: trusted again');
});

test('changes in a row are saved once, soon, not each at once; stopping saves what waits', () => {
  const path = join(dir, 'soon.json');
  const m = new OwnerManifest(path);
  m.apply([file('a', 'a')]);
  m.save();
  const saved = () => (JSON.parse(readFileSync(path, 'utf8')) as { seq: number }).seq;
  const first = m.seq;
  m.apply([file('a', 'b')]);
  m.saveSoon();
  m.apply([file('a', 'c')]);
  m.saveSoon();
  assert.is(saved(), first, 'not rewritten at each change');
  m.flush();
  assert.is(saved(), m.seq);
  assert.is(new OwnerManifest(path).epoch, m.epoch, 'saved: trusted');
});

const batch = (over: Partial<MirrorMessages['mirror-changes']>): MirrorMessages['mirror-changes'] => ({
  epoch: 'epoch-one',
  seq: 5,
  full: false,
  files: [],
  deleted: [],
  more: false,
  ...over,
});
const entry = (path: string, size = 1, seq = 5) => ({ path, size, sha256: 'a'.repeat(64), mtime: 0, seq });
const known = { epoch: 'epoch-one', seq: 3, published: new Map([['held.txt', {}]]) };

test('a batch is refused for a hostile path, an impossible size, a version going backwards, a phantom deletion', () => {
  assert.is(batchProblem(batch({ files: [entry('ok/fine.txt')] }), known, undefined), undefined);
  assert.match(batchProblem(batch({ files: [entry('../x')] }), known, undefined)!, /hostile path/);
  assert.match(batchProblem(batch({ files: [entry('/abs')] }), known, undefined)!, /hostile path/);
  assert.match(batchProblem(batch({ files: [entry('a\\b')] }), known, undefined)!, /hostile path/);
  assert.match(batchProblem(batch({ files: [entry('x', 2 ** 50)] }), known, undefined)!, /impossible size/);
  assert.match(batchProblem(batch({ seq: 2 }), known, undefined)!, /went backwards/);
  assert.match(batchProblem(batch({ files: [entry('x', 1, 9)] }), known, undefined)!, /after its tree/);
  assert.match(batchProblem(batch({ deleted: [{ path: 'never.txt', seq: 4 }] }), known, undefined)!, /never published/);
  assert.is(batchProblem(batch({ deleted: [{ path: 'held.txt', seq: 4 }] }), known, undefined), undefined);
  assert.match(batchProblem(batch({ epoch: 'epoch-two' }), known, undefined)!, /without its full tree/);
  assert.is(batchProblem(batch({ epoch: 'epoch-two', seq: 1, full: true }), known, undefined), undefined);
  const round = { epoch: 'epoch-one', seq: 5, full: false };
  assert.match(batchProblem(batch({ seq: 6 }), known, round)!, /inside a round/);
  assert.match(versionProblem('epoch-one', 2, known)!, /went backwards/);
  assert.is(versionProblem('epoch-two', 1, known), undefined);
});

test('a conflict keeps its extension after the time stamp, in UTC', () => {
  const when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
  assert.is(conflictName('report.pdf', when), 'report.conflict-20260102-030405.pdf');
  assert.is(conflictName('notes', when), 'notes.conflict-20260102-030405');
  assert.is(conflictName('.profile', when), '.profile.conflict-20260102-030405');
  assert.is(conflictName('a.tar.gz', when, 2), 'a.tar.conflict-20260102-030405-2.gz');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
