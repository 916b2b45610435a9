/**
 * The address book on disk: sightings follow a holder that came back from another address under its id.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AddressBook } from '../files/address-book.js';

const file = { name: 'report.pdf', size: 10, sha256: 'a'.repeat(64) };
const s3 = { name: 's3', id: 'ssssssss33', host: '127.0.0.1', port: 7005 };

test('a holder seen at a new address under the same name and id is followed there, also after a reload', () => {
  const dir = mkdtempSync(join(tmpdir(), 'p2p-book-'));
  try {
    const path = join(dir, 'address-book.json');
    const book = new AddressBook(path);
    book.record(file, s3);
    book.follow([{ ...s3, host: '127.0.0.2', port: 7009 }]);
    const refs = () => book.lookup('report.pdf').flatMap((s) => s.holders.map((h) => h.ref));
    assert.equal(refs(), [{ ...s3, host: '127.0.0.2', port: 7009 }]);
    book.flush();
    const again = new AddressBook(path);
    assert.equal(
      again.lookup('report.pdf').flatMap((s) => s.holders.map((h) => h.ref)),
      [{ ...s3, host: '127.0.0.2', port: 7009 }],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('another id under the name, or another name with the id, is not the same peer: the sighting stays', () => {
  const dir = mkdtempSync(join(tmpdir(), 'p2p-book-'));
  try {
    const book = new AddressBook(join(dir, 'address-book.json'));
    book.record(file, s3);
    book.follow([
      { ...s3, id: 'otherid000', port: 7010 },
      { ...s3, name: 's4', port: 7011 },
    ]);
    assert.equal(
      book.lookup('report.pdf').flatMap((s) => s.holders.map((h) => h.ref)),
      [s3],
    );
    book.flush();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
