/**
 * The one question of `npm run unclutter` (demo/unclutter.ts) in a real terminal (tmux): `n` removes nothing,
 * `y` removes. Skipped when tmux is missing.
 */
import { existsSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TmuxSession } from '../../harness/tmux-session.js';
import { existing, makeScratch, UNCLUTTER, type Scratch } from './clutter-fixture.js';

const ready = TmuxSession.available();
const it = ready ? test : test.skip;
if (!ready) console.warn('unclutter prompt e2e: tmux missing: skipped');

const OURS = ['peers/s1', 'peers/s2', '.meshshare'];

async function answer(key: string, check: (s: Scratch, screen: string) => void): Promise<void> {
  const scratch = makeScratch();
  const session = TmuxSession.start({
    command: [process.execPath, UNCLUTTER],
    cwd: scratch.dir,
    env: { TMPDIR: scratch.tmp },
    width: 160,
    height: 40,
  });
  try {
    await session.waitFor('Remove these? [y/N]');
    assert.equal(existing(scratch.dir, OURS), OURS, 'nothing goes before the answer');
    session.type(key);
    session.sendKeys('Enter');
    assert.is(await session.waitForExit(5_000), 0);
    check(scratch, session.capture());
  } finally {
    session.kill();
    scratch.remove();
  }
}

it('answering n removes nothing', () =>
  answer('n', (s, screen) => {
    assert.match(screen, /nothing was removed/);
    assert.equal(existing(s.dir, OURS), OURS);
    assert.ok(existsSync(s.leftDemo));
  }));

it('answering y removes what was listed, and only that', () =>
  answer('y', (s, screen) => {
    assert.match(screen, /removed 4 folders/);
    assert.equal(existing(s.dir, OURS), []);
    assert.not.ok(existsSync(s.leftDemo));
    assert.equal(existing(s.dir, ['peers/notes.txt', 'peers/other', 'peers/link']), [
      'peers/notes.txt',
      'peers/other',
      'peers/link',
    ]);
    assert.ok(existsSync(`${s.outside}/keep.txt`));
  }));

test.run();
