import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogFileWriter } from '../log-file-writer.js';
import { constructQuietly, isTerminfoNoise, restoreTerminalOnCrash, StrayOutputCapture } from '../terminal-guard.js';

test('construction output is captured, not printed, and stderr is restored afterwards', () => {
  const before = process.stderr.write;
  const { value, captured } = constructQuietly(() => {
    console.error('Error on xterm-256color.Setulc:');
    process.stderr.write('"\\u001b[58::2::%p1%{65536}%/%d"\n');
    return 42;
  });
  assert.is(value, 42);
  assert.match(captured, /Setulc/);
  assert.ok(isTerminfoNoise(captured));
  assert.not.ok(isTerminfoNoise('something else broke'));
  assert.is(process.stderr.write, before);
});

test('stderr is restored even when construction throws', () => {
  const before = process.stderr.write;
  assert.throws(
    () =>
      constructQuietly(() => {
        throw new Error('no terminal');
      }),
    /no terminal/,
  );
  assert.is(process.stderr.write, before);
});

test('stray console and stderr output goes to the sink until restored', () => {
  const seen: string[] = [];
  const originalLog = console.log;
  const capture = new StrayOutputCapture((text) => seen.push(text));
  console.log('from console.log', { a: 1 });
  console.warn('from console.warn');
  process.stderr.write('from stderr\n');
  capture.restore();
  capture.restore();
  assert.equal(seen, ['from console.log {"a":1}', 'from console.warn', 'from stderr\n']);
  assert.is(console.log, originalLog);
});

test('the crash hook runs only when the process would die, and can be removed', () => {
  let restored = 0;
  const remove = restoreTerminalOnCrash(() => {
    restored += 1;
  });
  const keepAlive = () => {};
  const emitter = process as unknown as NodeJS.EventEmitter;
  // uvu itself has no uncaughtException handler: add one so that emitting the monitor event stays harmless here.
  process.on('uncaughtException', keepAlive);
  emitter.emit('uncaughtExceptionMonitor', new Error('x'), 'uncaughtException');
  assert.is(restored, 0, 'another handler decides, so the screen stays');
  process.off('uncaughtException', keepAlive);
  emitter.emit('uncaughtExceptionMonitor', new Error('x'), 'uncaughtException');
  assert.is(restored, 1);
  remove();
  emitter.emit('uncaughtExceptionMonitor', new Error('x'), 'uncaughtException');
  assert.is(restored, 1);
});

test('the log file gets timestamped lines appended; a failure is reported once', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meshshare-log-'));
  try {
    const writer = new LogFileWriter(join(dir, 'sub', 'dashboard.log'));
    assert.is(writer.write([{ t: 0, level: 'ok', text: 'joined' }]), null);
    assert.is(writer.write([{ t: 1000, level: 'error', text: 'oops' }]), null);
    assert.is(
      readFileSync(join(dir, 'sub', 'dashboard.log'), 'utf8'),
      '1970-01-01T00:00:00.000Z ok    joined\n1970-01-01T00:00:01.000Z error oops\n',
    );
    const broken = new LogFileWriter(join(dir, 'sub', 'dashboard.log', 'not-a-dir', 'x.log'));
    assert.match(broken.write([{ t: 0, level: 'info', text: 'x' }]) ?? '', /cannot write the log file/);
    assert.is(broken.write([{ t: 0, level: 'info', text: 'x' }]), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
