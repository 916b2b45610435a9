/**
 * Long text at 80x24 in a real terminal (tmux), with the scripted fake peer (fake-peer.ts, fake-answers.ts): the
 * welcome stays in sight, `help` and `list` open in a view that fits and scrolls with their header on top, the log
 * scrolls back with PgUp, the mouse wheel and End, and a 200-character error shows whole.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { screenLines, TmuxSession } from '../../harness/tmux-session.js';
import { HELP_COMMANDS, LONG_ERROR } from './fake-answers.js';

const FAKE_PEER = fileURLToPath(new URL('./fake-peer.js', import.meta.url));
const it = TmuxSession.available() ? test : test.skip;
if (!TmuxSession.available()) console.warn('tmux is not installed: skipping the dashboard scrolling tests');

/** As long as the demo's welcome (demo/demo-fixtures.ts): seven rows in the 80x24 log panel, which has six. */
const LONG_WELCOME =
  'Welcome to the meshshare demo: s1 (you) and s2–s5 are in the mesh. Type a file name to fetch it, e.g. ' +
  'poem.txt, mesh-logo.png, dataset-4mb.bin (4 MiB) or lan-party.txt (held by s2 and s4); Tab completes them. ' +
  'TOPO shows the mesh, help lists commands, Stop (or q) leaves and ends the demo.';

/** Runs `body` with the fake peer's dashboard in an 80x24 tmux, once its start-up events are on screen. */
async function withFake(welcome: string, body: (tmux: TmuxSession) => Promise<void>, height = 24): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'meshshare-scroll-'));
  const tmux = TmuxSession.start({
    command: [process.execPath, FAKE_PEER, '--record', join(dir, 'commands.txt'), '--log', join(dir, 'log')],
    width: 80,
    height,
    env: { TERM: 'xterm-256color', P2P_WELCOME: welcome, LANG: 'C.UTF-8' },
  });
  try {
    await tmux.waitFor(/mesh 5 peers/, 8_000);
    await body(tmux);
  } finally {
    tmux.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The inside of the box whose top border carries `label`, one string per row, trailing spaces removed. */
function box(screen: string, label: string): string[] {
  const lines = screenLines(screen);
  const top = lines.findIndex((l) => l.includes(`┌─ ${label} `));
  if (top < 0) return [];
  const left = lines[top]!.indexOf(`┌─ ${label} `);
  const right = lines[top]!.indexOf('┐', left);
  const inside: string[] = [];
  for (const line of lines.slice(top + 1)) {
    if (line[left] !== '│') break;
    inside.push(line.slice(left + 1, right).trimEnd());
  }
  return inside;
}

/** The words of a box's rows, wrapped rows joined (to find a wrapped sentence whole). */
const words = (rows: readonly string[]) => rows.join(' ').replace(/\s+/g, ' ').trim();

/** One notch of the mouse wheel over cell (x, y), as a terminal reports it (SGR mouse mode, 1-based). */
function wheel(tmux: TmuxSession, direction: 'up' | 'down', x = 60, y = 20): void {
  tmux.type(`\x1b[<${direction === 'up' ? 64 : 65};${x};${y}M`);
}

it('the welcome is still on screen once the start-up lines have arrived', async () => {
  await withFake('Welcome! Try alpha.txt', async (tmux) => {
    const screen = await tmux.waitUntil(
      (s) => box(s, 'Log').some((l) => l.includes('fake peer ready')),
      5_000,
      'the start-up lines in the log',
    );
    assert.ok(
      box(screen, 'Log').some((l) => l.includes('Welcome! Try alpha.txt')),
      box(screen, 'Log').join('\n'),
    );
  });
});

it('a welcome too long for the log panel shows whole in a view of its own; Esc closes it', async () => {
  await withFake(LONG_WELCOME, async (tmux) => {
    const screen = await tmux.waitUntil((s) => box(s, 'welcome').length > 0, 5_000, 'the welcome view');
    assert.ok(words(box(screen, 'welcome')).includes(LONG_WELCOME), box(screen, 'welcome').join('\n'));
    tmux.sendKeys('Escape');
    await tmux.waitUntil((s) => box(s, 'welcome').length === 0 && box(s, 'Log').length > 0, 3_000, 'the panels');
  });
});

it('help opens in a view: the first command on top, PgDn reaches the last, every description whole', async () => {
  await withFake('Welcome! Try alpha.txt', async (tmux) => {
    tmux.type('help');
    tmux.sendKeys('Enter');
    let screen = await tmux.waitUntil((s) => box(s, 'help').length > 0, 5_000, 'the help view');
    let rows = box(screen, 'help');
    assert.is(rows[0], 'commands:');
    assert.match(rows[1]!, /^ {2}FILENAME +download it from the mesh/);
    const seen = new Set(rows);
    for (let i = 0; i < 5 && !rows.some((r) => r.startsWith('  help ')); i += 1) {
      tmux.sendKeys('NPage');
      await new Promise((resolve) => setTimeout(resolve, 300));
      rows = box(tmux.capture(), 'help');
      for (const r of rows) seen.add(r);
    }
    screen = tmux.capture();
    assert.ok(
      box(screen, 'help').some((r) => /^ {2}help +list the commands$/.test(r)),
      box(screen, 'help').join('\n'),
    );
    assert.is(box(screen, 'help')[0], 'commands:', 'the header stays on top');
    // The view's footer (`rows 1–17 of 26 · …`) is no part of the text: a page may end inside a description.
    const all = words([...seen].filter((r) => !/^rows \d+–\d+ of \d+/.test(r)));
    for (const c of HELP_COMMANDS) assert.ok(all.includes(`${c.command} ${c.description}`), c.command);
    // Typing goes on in the command line under the view; Esc closes it.
    tmux.type('qa');
    await tmux.waitFor(/^s1> qa/m, 2_000);
    assert.not.ok(tmux.capture().includes('Leave the mesh?'));
    tmux.sendKeys('Escape');
    await tmux.waitUntil((s) => box(s, 'help').length === 0, 3_000, 'the view to close');
  });
});

it('list of 30 files: header and first file on top; End, the wheel and Home scroll it', async () => {
  await withFake('Welcome! Try alpha.txt', async (tmux) => {
    tmux.type('list');
    tmux.sendKeys('Enter');
    let screen = await tmux.waitUntil((s) => box(s, 'list').length > 0, 5_000, 'the list view');
    let rows = box(screen, 'list');
    assert.is(rows[0], 'list: 30 files in the mesh');
    assert.match(rows[1]!, /^ {2}file-01\.dat +1\.0 KB +1 holder$/);
    assert.match(rows[rows.length - 1]!, /^rows 1–\d+ of 30 · PgUp\/PgDn/);
    tmux.sendKeys('End');
    screen = await tmux.waitUntil((s) => box(s, 'list').some((r) => r.includes('file-30.dat')), 3_000, 'the last file');
    assert.is(box(screen, 'list')[0], 'list: 30 files in the mesh');
    wheel(tmux, 'up');
    screen = await tmux.waitUntil(
      (s) => !box(s, 'list').some((r) => r.includes('file-30.dat')),
      3_000,
      'the wheel to scroll up',
    );
    rows = box(screen, 'list');
    assert.match(rows[rows.length - 1]!, /^rows 11–27 of 30/);
    tmux.sendKeys('Home');
    await tmux.waitUntil((s) => box(s, 'list')[1]?.includes('file-01.dat') ?? false, 3_000, 'back to the top');
  });
});

it('the log scrolls back with PgUp and the wheel, counts new lines, and End follows again', async () => {
  await withFake('Welcome! Try alpha.txt', async (tmux) => {
    // Thirty-one lines of answer in the log (Esc closes their view).
    tmux.type('list');
    tmux.sendKeys('Enter');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    tmux.sendKeys('Escape');
    let screen = await tmux.waitUntil(
      (s) => box(s, 'Log').some((l) => l.includes('file-30.dat')),
      3_000,
      'the list in the log',
    );
    tmux.sendKeys('PPage');
    screen = await tmux.waitUntil(
      (s) => box(s, 'Log').some((l) => /↓ \d+ more lines? below · End to follow/.test(l)),
      3_000,
      'the log scrolled back',
    );
    assert.not.ok(box(screen, 'Log').some((l) => l.includes('file-30.dat')));
    const top = box(screen, 'Log')[0];
    wheel(tmux, 'up');
    screen = await tmux.waitUntil((s) => box(s, 'Log')[0] !== top, 3_000, 'the wheel to scroll the log');
    assert.match(box(screen, 'Log')[0]!, /file-\d\d\.dat/);
    // A download started from the command line: its lines arrive below while the user reads above.
    tmux.type('alpha.txt');
    tmux.sendKeys('Enter', 'PPage');
    screen = await tmux.waitUntil(
      (s) => box(s, 'Log').some((l) => /↓ \d+ new lines below · End to follow/.test(l)),
      5_000,
      'new lines counted',
    );
    tmux.sendKeys('End');
    screen = await tmux.waitUntil(
      (s) => box(s, 'Log').some((l) => l.includes('alpha.txt verified')),
      5_000,
      'the newest lines',
    );
    assert.not.ok(box(screen, 'Log').some((l) => l.includes('End to follow')));
  });
});

it('a 200-character error shows whole, wrapped, on the status line (which grows) and in the log', async () => {
  assert.ok(LONG_ERROR.length >= 200);
  await withFake('Welcome! Try alpha.txt', async (tmux) => {
    tmux.type('longerror');
    tmux.sendKeys('Enter');
    // Waits for a whole frame: tmux may be captured between two writes of one frame.
    const screen = await tmux.waitUntil(
      (s) => words(box(s, 'Log')).includes(LONG_ERROR) && /^ {5}.*END-OF-MESSAGE/m.test(s),
      3_000,
      'the error on the status line and in the log',
    );
    const lines = screenLines(screen);
    const first = lines.findIndex((l) => l.startsWith(' ✗ "longerror"'));
    assert.ok(first > 0 && first <= 22, screen);
    assert.is(words(lines.slice(first, 23)), `✗ ${LONG_ERROR}`);
    for (const line of lines) assert.ok(line.length <= 80);
    // The body gave the status line its rows; the log shows the message whole too.
    assert.ok(words(box(screen, 'Log')).includes(LONG_ERROR), box(screen, 'Log').join('\n'));
  });
});

it('in a 10-row terminal the TOPO table scrolls from its first peer to its last', async () => {
  await withFake(
    'Welcome! Try alpha.txt',
    async (tmux) => {
      tmux.type('TOPO');
      tmux.sendKeys('Enter');
      let screen = await tmux.waitUntil((s) => /peers 1–\d of 5/.test(s), 5_000, 'the TOPO view');
      assert.match(box(screen, 'Mesh topology')[0]!, /^s1 +127\.0\.0\.1:7001 +↔ s2, s3/);
      tmux.sendKeys('NPage');
      screen = await tmux.waitUntil((s) => /peers \d–5 of 5/.test(s), 3_000, 'the last peers');
      assert.ok(box(screen, 'Mesh topology').some((r) => /^s5 +127\.0\.0\.1:7005 +↔ s4/.test(r)));
    },
    10,
  );
});

test.run();
