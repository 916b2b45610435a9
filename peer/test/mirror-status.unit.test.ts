import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MirrorOwnerStatus } from '../control/peer-events.js';
import { MirrorStatus, STATUS_PER_SECOND } from '../mirror/mirror-status.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function owner(state: MirrorOwnerStatus['state'], files: number): MirrorOwnerStatus {
  return {
    owner: 's2',
    state,
    version: 1,
    behind: 0,
    files,
    bytes: files,
    total: { files, bytes: files },
    done: { files, bytes: files },
    lastChange: null,
  };
}

/** A status fed by hand: `now` is what `read` returns; every emission is timed. */
function status(): { s: MirrorStatus; set: (o: MirrorOwnerStatus) => void; sent: { at: number; state: string }[] } {
  let now = owner('syncing', 0);
  const sent: { at: number; state: string }[] = [];
  const s = new MirrorStatus(
    () => [now],
    (owners) => sent.push({ at: performance.now(), state: owners[0]!.state }),
  );
  return { s, set: (o) => (now = o), sent };
}

test('a flood of progress is emitted at most STATUS_PER_SECOND times in any second', async () => {
  const { s, set, sent } = status();
  const t0 = performance.now();
  for (let i = 1; performance.now() - t0 < 2200; i++) {
    set(owner(i % 500 === 0 ? 'in-sync' : 'syncing', i)); // state changes too, now and then
    s.changed(i % 500 === 0);
    await sleep(1);
  }
  s.stop();
  assert.ok(sent.length >= 6, `only ${sent.length} emissions in 2.2 s`);
  for (let i = STATUS_PER_SECOND; i < sent.length; i++)
    assert.ok(
      sent[i]!.at - sent[i - STATUS_PER_SECOND]!.at >= 999,
      `${STATUS_PER_SECOND + 1} emissions within a second`,
    );
});

test('a change of state goes out at once after steady progress, not when progress is next due', async () => {
  const { s, set, sent } = status();
  for (let i = 1; i <= 80; i++) {
    set(owner('syncing', i));
    s.changed();
    await sleep(10);
  }
  const progress = sent.length;
  set(owner('in-sync', 80));
  const t = performance.now();
  s.changed(true);
  await sleep(30);
  s.stop();
  assert.is(sent.length, progress + 1);
  assert.is(sent.at(-1)!.state, 'in-sync');
  assert.ok(sent.at(-1)!.at - t < 25, `in-sync shown ${(sent.at(-1)!.at - t).toFixed(0)} ms late`);
});

test('nothing is emitted when nothing changed', async () => {
  const { s, sent } = status();
  s.changed();
  await sleep(10);
  s.changed(true);
  s.changed();
  await sleep(400);
  s.stop();
  assert.is(sent.length, 1);
});

test.run();
