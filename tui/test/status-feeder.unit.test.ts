import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_HINT, StatusFeeder } from '../feeders/status-feeder.js';
import { at } from './events.js';

test('an error shows prominently, then the hint returns after the ttl', () => {
  const f = new StatusFeeder({ messageTtlMs: 1_000 });
  assert.equal(f.view(), { kind: 'hint', text: DEFAULT_HINT });
  assert.ok(f.apply(at(100, { event: 'error', message: 'unknown command "TOPOO"' })));
  assert.equal(f.view(), { kind: 'error', text: 'unknown command "TOPOO"' });
  assert.is(f.tick(1_000), false);
  assert.ok(f.tick(1_101));
  assert.is(f.view().kind, 'hint');
});

test('outcomes of a request show as ok, warn and info', () => {
  const f = new StatusFeeder();
  f.apply(at(1, { event: 'not-found', download: 'q', file: 'ghost' }));
  assert.equal(f.view(), { kind: 'warn', text: 'ghost: not found in the mesh' });
  f.apply(at(2, { event: 'already-have', file: 'a', path: 'shared/a' }));
  assert.equal(f.view(), { kind: 'info', text: 'a: already held (shared/a)' });
  f.apply(
    at(3, {
      event: 'download-complete',
      download: 'q',
      file: 'b',
      path: 'Downloads/b',
      bytes: 1,
      sha256: 'x',
      from: 's2',
      ms: 1,
      sources: [],
    }),
  );
  assert.equal(f.view(), { kind: 'ok', text: 'b: verified, saved as Downloads/b' });
});

test("a confirmation stays until answered, and the core's leaving is final", () => {
  const f = new StatusFeeder({ messageTtlMs: 10 });
  f.confirm('Leave?', 0);
  assert.is(f.apply(at(1, { event: 'error', message: 'late error' })), false);
  assert.is(f.tick(1_000), false);
  assert.is(f.kind, 'confirm');
  f.clear(1_000);
  assert.is(f.kind, 'hint');
  f.apply(at(1_001, { event: 'leaving', reason: 'stopped by the user', cmd: 3 }));
  f.clear(1_002);
  f.show('error', 'x', 1_003);
  assert.equal(f.view(), { kind: 'leaving', text: 'leaving the mesh…' });
});

test.run();
