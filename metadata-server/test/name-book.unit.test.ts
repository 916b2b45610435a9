import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NameBook, NAMES_FILE } from '../name-book.js';

const ID_A = 'AAAAAAAAAAAAAAAAAAAAAA';
const ID_B = 'BBBBBBBBBBBBBBBBBBBBBB';

test('names are bound case-insensitively, saved owner-only, and read back by the next server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'names-'));
  try {
    const book = NameBook.inState(dir);
    assert.is(book.idOf('s1'), undefined);
    book.admit('S1', ID_A, 1000);
    assert.is(book.idOf('s1'), ID_A);
    assert.throws(() => book.admit('s1', ID_B), /bound to another id/);
    book.admit('s1', ID_A, 2000);
    assert.equal(book.entries(), [['s1', { id: ID_A, since: 1000, seen: 2000 }]]);
    assert.is(statSync(join(dir, NAMES_FILE)).mode & 0o777, 0o600);
    assert.is(new NameBook(join(dir, NAMES_FILE)).idOf('S1'), ID_A);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('forget, from another process, is seen by a running book before its next answer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'names-'));
  try {
    const running = NameBook.inState(dir);
    running.admit('s3', ID_A);
    const operator = NameBook.inState(dir);
    assert.ok(operator.forget('s3'));
    assert.not.ok(operator.forget('s3'));
    // The file changed under the running book (its mtime differs): it reads it again.
    const file = join(dir, NAMES_FILE);
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    assert.is(running.idOf('s3'), undefined);
    running.admit('s3', ID_B);
    assert.match(readFileSync(file, 'utf8'), new RegExp(ID_B));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file that is not a name book is an error naming it, and is not overwritten', () => {
  const dir = mkdtempSync(join(tmpdir(), 'names-'));
  try {
    const file = join(dir, NAMES_FILE);
    for (const text of [
      '{',
      '{"names": []}',
      '{"names": {"../x": {"id": "AAAAAAAAAA"}}}',
      '{"names": {"s1": {"id": "x"}}}',
    ]) {
      writeFileSync(file, text);
      assert.throws(() => new NameBook(file), /is not a name book/);
      assert.is(readFileSync(file, 'utf8'), text);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a file, names last for the life of the process', () => {
  const book = new NameBook();
  book.admit('s1', ID_A);
  assert.is(book.idOf('S1'), ID_A);
});

test.run();
