import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MirrorAnswer } from '../control/mirror-answer.js';
import type { MirrorOwnerStatus, PeerEventReport } from '../control/peer-events.js';

/** A MirrorAnswer fed by hand, as the peer's own events would feed it. */
function answerer(): { answer: MirrorAnswer; emit: (e: PeerEventReport) => void } {
  let listener: (e: PeerEventReport) => void = () => undefined;
  const answer = new MirrorAnswer((l) => (listener = l));
  return { answer, emit: (e) => listener(e) };
}

const READY = { event: 'ready', name: 's1', id: 'id-s1-0001', host: '127.0.0.1', port: 7001, neighbours: [] };
const OWNER: MirrorOwnerStatus = {
  owner: 's2',
  state: 'syncing',
  version: 3,
  behind: 10,
  files: 5,
  bytes: 500,
  total: { files: 15, bytes: 1500 },
  done: { files: 5, bytes: 500 },
  lastChange: 1_700_000_000_000,
};

test('a peer that does not mirror answers mirror with an error saying how to start one', () => {
  const { answer, emit } = answerer();
  emit({ ...READY, server: 'x:1', dir: '/tmp/x' } as PeerEventReport);
  const a = answer.answer();
  assert.is(a.event, 'error');
  if (a.event === 'error') assert.match(a.message, /--mirror/);
});

test('a mirror answers with no owners before its first status, then with its latest status', () => {
  const { answer, emit } = answerer();
  emit({ ...READY, server: 'x:1', dir: '/tmp/x', mirror: true } as PeerEventReport);
  assert.equal(answer.answer(), { event: 'mirror-status', owners: [] });
  emit({ event: 'mirror-status', owners: [{ ...OWNER, done: { files: 1, bytes: 100 } }] });
  emit({ event: 'mirror-status', owners: [OWNER], cmd: 4 });
  // The answer carries the status only: the peer tags it with the asking line's number.
  assert.equal(answer.answer(), { event: 'mirror-status', owners: [OWNER] });
});

test.run();
