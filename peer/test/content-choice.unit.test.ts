/** Which content a download takes when holders disagree (docs/CONTRACT.md "Choosing among contents"). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { IndexEntry } from '../../common/wire/server-messages.js';
import type { Sighting } from '../files/address-book.js';
import { ambiguousMessage, chooseKnown, chooseOffered, contests, unwanted } from '../transfer/content-choice.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const ref = (name: string) => ({ name, id: `${name}-id-0000`, host: '127.0.0.1', port: 7001 });
const entry = (name: string, sha256: string, holders: string[], size = 10): IndexEntry => ({
  name,
  size,
  sha256,
  holders: holders.map(ref),
});
const sighting = (name: string, sha256: string, holders: [string, number][]): Sighting => ({
  name,
  size: 10,
  sha256,
  holders: holders.map(([h, seen]) => ({ ref: ref(h), seen })),
});
const targets = (d: ReturnType<typeof chooseKnown>) => (d.kind === 'holders' ? [...d.targets.keys()] : d.kind);

test('two contents under the name asked for are ambiguous: every content, its size and holders, most held first', () => {
  const index = [entry('notes.txt', A, ['s1'], 5), entry('notes.txt', B, ['s3', 's2'], 7)];
  const d = chooseKnown('notes.txt', undefined, {}, 'me', index, []);
  assert.equal(d, {
    kind: 'ambiguous',
    file: 'notes.txt',
    choices: [
      { sha256: B, bytes: 7, holders: ['s2', 's3'] },
      { sha256: A, bytes: 5, holders: ['s1'] },
    ],
  });
  if (d.kind !== 'ambiguous') return;
  const message = ambiguousMessage(d.file, d.choices);
  assert.match(message, /notes\.txt from s2 or notes\.txt sha256 bbbbbbbbbbbb/);
  assert.match(message, /aaaaaaaaaaaa \(5 B\) from s1/);
});

test('from PEER and sha256 PREFIX narrow the holders to one content', () => {
  const index = [entry('notes.txt', A, ['s1']), entry('notes.txt', B, ['s2', 's3'])];
  assert.equal(targets(chooseKnown('notes.txt', undefined, { from: 's1' }, 'me', index, [])), ['s1']);
  assert.equal(targets(chooseKnown('notes.txt', undefined, { prefix: 'bbbbbbbb' }, 'me', index, [])), ['s2', 's3']);
  assert.equal(targets(chooseKnown('notes.txt', undefined, { from: 's4' }, 'me', index, [])), []);
  const both = chooseKnown('notes.txt', undefined, { from: 's1', prefix: 'bbbbbbbb' }, 'me', index, []);
  assert.equal(targets(both), []);
});

test('a prefix matching several contents is refused with the contents it matches', () => {
  const C = 'aaaaaaaa' + 'c'.repeat(56);
  const d = chooseKnown(
    'x.bin',
    undefined,
    { prefix: 'aaaaaaaa' },
    'me',
    [entry('x.bin', A, ['s1']), entry('x.bin', C, ['s2'])],
    [],
  );
  assert.ok(
    d.kind === 'refused' && /matches 2 contents of x\.bin .*give more digits/.test(d.message),
    JSON.stringify(d),
  );
});

test('one content, other names of the same stem, or a download that knows its content: no ambiguity', () => {
  assert.equal(targets(chooseKnown('notes.txt', undefined, {}, 'me', [entry('notes.txt', A, ['s1', 's2'])], [])), [
    's1',
    's2',
  ]);
  const stems = [entry('notes.md', A, ['s1', 's2']), entry('notes.txt', B, ['s3'])];
  assert.equal(targets(chooseKnown('notes', undefined, {}, 'me', stems, [])), ['s1', 's2']);
  const split = [entry('notes.txt', A, ['s1']), entry('notes.txt', B, ['s2'])];
  assert.equal(targets(chooseKnown('notes.txt', B, {}, 'me', split, [])), ['s2']);
});

test('the index, when it lists the name, outweighs the address book; the book counts a holder under its last sighting', () => {
  const stale = [sighting('n.txt', B, [['s9', 1]])];
  assert.equal(targets(chooseKnown('n.txt', undefined, {}, 'me', [entry('n.txt', A, ['s1'])], stale)), ['s1']);
  const changed = [sighting('n.txt', A, [['s1', 1]]), sighting('n.txt', B, [['s1', 2]])];
  const d = chooseKnown('n.txt', undefined, {}, 'me', [], changed);
  assert.equal(targets(d), ['s1']);
  if (d.kind === 'holders') assert.is(d.targets.get('s1')!.sha256, B);
  const two = [sighting('n.txt', A, [['s1', 1]]), sighting('n.txt', B, [['s2', 2]])];
  assert.is(chooseKnown('n.txt', undefined, {}, 'me', [], two).kind, 'ambiguous');
});

test('offers answering a flood: one content is taken, two are ambiguous, a choice filters them', () => {
  const offer = (from: string, sha256: string, file = 'n.txt') => ({ file, sha256, size: 3, from });
  assert.equal(chooseOffered('n.txt', {}, [offer('s1', A), offer('s2', A)]), {
    kind: 'take',
    file: 'n.txt',
    sha256: A,
  });
  const d = chooseOffered('n.txt', {}, [offer('s1', A), offer('s2', B)]);
  assert.ok(d?.kind === 'ambiguous' && d.choices.length === 2, JSON.stringify(d));
  assert.equal(chooseOffered('n', {}, [offer('s1', A, 'n.md'), offer('s2', B, 'n')]), {
    kind: 'take',
    file: 'n',
    sha256: B,
  });
  assert.is(chooseOffered('n.txt', {}, []), undefined);
  assert.is(unwanted({ from: 's1' }, 'S1', A), undefined);
  assert.match(unwanted({ from: 's1' }, 's2', A) ?? '', /s1's copy only/);
  assert.match(unwanted({ prefix: 'bbbbbbbb' }, 's2', A) ?? '', /starts bbbbbbbb/);
});

test.run();

test('a bare name of several paths is ambiguous, each path a choice; the exact path is not', () => {
  const index = [entry('docs/report.pdf', A, ['s1'], 5), entry('old/report.pdf', B, ['s2', 's3'], 7)];
  const d = chooseKnown('report.pdf', undefined, {}, 'me', index, []);
  assert.equal(d, {
    kind: 'ambiguous',
    file: 'report.pdf',
    choices: [
      { sha256: A, bytes: 5, holders: ['s1'], path: 'docs/report.pdf' },
      { sha256: B, bytes: 7, holders: ['s2', 's3'], path: 'old/report.pdf' },
    ],
  });
  if (d.kind !== 'ambiguous') return;
  assert.match(ambiguousMessage(d.file, d.choices), /report\.pdf names 2 files: docs\/report\.pdf \(5 B\) from s1/);
  assert.match(ambiguousMessage(d.file, d.choices), /ask for one by its path, such as docs\/report\.pdf/);
  const same = [entry('docs/report.pdf', A, ['s1']), entry('old/report.pdf', A, ['s2'])];
  assert.is(chooseKnown('report', undefined, {}, 'me', same, []).kind, 'ambiguous', 'same content, two paths');
  assert.equal(targets(chooseKnown('docs/report.pdf', undefined, {}, 'me', index, [])), ['s1']);
  assert.equal(targets(chooseKnown('report.pdf', undefined, { from: 's2' }, 'me', index, [])), ['s2']);
  const offered = chooseOffered('report.pdf', {}, [
    { file: 'docs/report.pdf', sha256: A, size: 5, from: 's1' },
    { file: 'old/report.pdf', sha256: A, size: 5, from: 's2' },
  ]);
  assert.is(offered?.kind, 'ambiguous');
});

test('a unique bare name takes its path; an offer of another path contests only a bare name', () => {
  const d = chooseKnown('report', undefined, {}, 'me', [entry('docs/report.pdf', A, ['s1'])], []);
  assert.equal(targets(d), ['s1']);
  if (d.kind === 'holders') assert.is(d.targets.get('s1')?.file, 'docs/report.pdf');
  assert.ok(contests('report.pdf', 'docs/report.pdf', 'old/report.pdf', true));
  assert.not.ok(contests('docs/report.pdf', 'docs/report.pdf', 'old/report.pdf', true), 'the path was asked for');
  assert.not.ok(contests('report.pdf', 'docs/report.pdf', 'docs/report.pdf', true), 'another holder of it');
  assert.ok(contests('report.pdf', 'docs/report.pdf', 'docs/report.pdf', false), 'another content of it');
});
