/**
 * The real dashboard in a real terminal (tmux), driven by the scripted fake peer (fake-peer.ts): panels at 80x24
 * and 120x40, resize, typing, a download from several holders, Tab, history, errors, TOPO, leaving with
 * confirmation, render rate under a burst of events, stray output and crashes. The end-to-end test with real peers is dashboard-e2e.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { screenLines, TmuxSession } from '../../harness/tmux-session.js';

const FAKE_PEER = fileURLToPath(new URL('./fake-peer.js', import.meta.url));
const it = TmuxSession.available() ? test : test.skip;
if (!TmuxSession.available()) console.warn('tmux is not installed: skipping the dashboard terminal tests');

interface Fake {
  tmux: TmuxSession;
  recordFile: string;
  logFile: string;
  /** Command lines the fake peer received, in order (lines starting with # are its own notes). */
  commands(): string[];
  close(): void;
}

/** Starts the fake peer's dashboard in a fresh tmux and waits until its first events are on screen. */
async function startFake(width: number, height: number): Promise<Fake> {
  const dir = mkdtempSync(join(tmpdir(), 'meshshare-tui-'));
  const recordFile = join(dir, 'commands.txt');
  const logFile = join(dir, 'dashboard.log');
  const tmux = TmuxSession.start({
    command: [process.execPath, FAKE_PEER, '--record', recordFile, '--log', logFile],
    width,
    height,
    // The terminfo that makes blessed print `Error on xterm-256color.Setulc` on older systems (docs/PLATFORM.md).
    env: { TERM: 'xterm-256color', P2P_WELCOME: 'Welcome! Try alpha.txt', LANG: 'C.UTF-8' },
  });
  const fake: Fake = {
    tmux,
    recordFile,
    logFile,
    commands: () => {
      try {
        return readFileSync(recordFile, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    close: () => {
      tmux.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await tmux.waitFor('fake peer ready', 8_000);
  } catch (err) {
    fake.close();
    throw err;
  }
  return fake;
}

/** Runs `body` with a fake peer's dashboard, always closing the terminal. */
async function withFake(width: number, height: number, body: (fake: Fake) => Promise<void>): Promise<void> {
  const fake = await startFake(width, height);
  try {
    await body(fake);
  } finally {
    fake.close();
  }
}

async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function assertFits(screen: string, width: number, height: number): void {
  const lines = screenLines(screen);
  assert.ok(lines.length <= height + 1, `${lines.length} lines for a ${height}-row terminal`);
  for (const line of lines) assert.ok(line.length <= width, `line wider than ${width}: ${line}`);
}

/** The inside of the Transfers panel, one string per row (the box found by its top-left corner). */
function transfersPanel(screen: string): string[] {
  const lines = screenLines(screen);
  const top = lines.findIndex((l) => l.includes('┌─ Transfers'));
  if (top < 0) return [];
  const left = lines[top]!.indexOf('┌─ Transfers');
  const right = lines[top]!.indexOf('┐', left);
  const inside: string[] = [];
  for (const line of lines.slice(top + 1)) {
    if (line[left] !== '│') break;
    inside.push(line.slice(left + 1, right));
  }
  return inside;
}

it('shows every panel at 80x24, with the welcome line and no terminfo noise', async () => {
  await withFake(80, 24, async ({ tmux }) => {
    const labels = ['┌─ Topology', '┌─ Transfers', '┌─ Received', '┌─ Sent', '┌─ Neighbours', '┌─ Files', '┌─ Log'];
    // Waits for a whole frame: tmux may be captured between two writes of one frame.
    const screen = await tmux.waitUntil(
      (s) => labels.every((l) => s.includes(l)) && s.includes('alpha.txt') && /^s1>/.test(screenLines(s)[23] ?? ''),
      3_000,
      'every panel',
    );
    const lines = screenLines(screen);
    assert.match(lines[0]!, /s1 +server 127\.0\.0\.1:7000 connected +mesh 5 peers/);
    for (const name of ['s2', 's3', 's4', 's5']) assert.match(screen, new RegExp(`\\b${name}\\b`));
    assert.not.ok(screen.includes('Setulc'));
    assertFits(screen, 80, 24);
  });
});

it('redraws on resize to 120x40 and back to 80x24', async () => {
  await withFake(80, 24, async ({ tmux }) => {
    tmux.resize(120, 40);
    let screen = await tmux.waitUntil(
      (s) => (screenLines(s)[1] ?? '').length === 120 && /^s1>/.test(screenLines(s)[39] ?? ''),
      3_000,
      'a 120-column frame',
    );
    assert.match(screenLines(screen)[1]!, /┐$/);
    assert.match(screenLines(screen)[0]!, /neighbours 2 +on 127\.0\.0\.1:7001/, 'the wider header shows more');
    assertFits(screen, 120, 40);
    tmux.resize(80, 24);
    screen = await tmux.waitUntil(
      (s) => (screenLines(s)[1] ?? '').length === 80 && /^s1>/.test(screenLines(s)[23] ?? ''),
      3_000,
      'an 80-column frame again',
    );
    assert.ok(screen.includes('┌─ Files'));
    assertFits(screen, 80, 24);
  });
});

it('a typed file name reaches the peer and its transfer ends verified', async () => {
  await withFake(120, 40, async (fake) => {
    fake.tmux.type('report.pdf');
    await fake.tmux.waitFor('s1> report.pdf');
    fake.tmux.sendKeys('Enter');
    await fake.tmux.waitFor(/↓ report\.pdf ← s4(\+s2)? +\d+%/, 3_000);
    await fake.tmux.waitFor('✓ verified', 5_000);
    // The files panel lists the download and the status line says so.
    await fake.tmux.waitUntil(
      (s) => /↓ report\.pdf +3\.0 MB/.test(s) && /report\.pdf: verified, saved as Downloads\/report\.pdf/.test(s),
      3_000,
      'the download in the files panel and the status line',
    );
    assert.equal(fake.commands(), ['report.pdf']);
  });
});

it('a download from several holders shows who sent what at 80x24, with its bar, then in the log', async () => {
  await withFake(80, 24, async (fake) => {
    fake.tmux.type('swarm.iso');
    fake.tmux.sendKeys('Enter');
    // In flight: the facts, the bar and, under it, what was held and each holder's share (s2 has stopped: ✗).
    const shares = /^ {2}resumed 600 MB · s3 (?:[\d.]+ [KMG]?B \()?\d+%\)? · s5 (?:[\d.]+ [KMG]?B \()?\d+%\)? · s2 ✗ /;
    const inner = (s: string) => screenLines(s).map((l) => /│([^│]*)│$/.exec(l)?.[1] ?? '');
    const screen = await fake.tmux.waitUntil(
      (s) => inner(s).some((l) => shares.test(l)),
      5_000,
      'the shares line in flight',
    );
    const lines = inner(screen);
    const at = lines.findIndex((l) => shares.test(l));
    assert.match(lines[at - 2]!, /^↓ swarm\.iso ← s3\+s5 +\d+%/);
    assert.match(lines[at - 1]!, /^ {2}█+░* \d+ MB \/ 1\.0 GB/, 'the progress bar stays');
    assertFits(screen, 80, 24);
    // Finished: the row keeps the shares (no ✗ now that every holder is done); the log says who sent what.
    await fake.tmux.waitUntil(
      (s) =>
        inner(s).some((l) => /^↓ swarm\.iso ← s3\+s5\+1 +✓ verified/.test(l)) &&
        inner(s).some((l) => /^ {2}resumed 600 MB · s3 (?:250 MB \()?59%\)? · s5 (?:166 MB \()?39%\)? · s2 2%/.test(l)),
      5_000,
      'the verified row with its shares',
    );
    await until(
      () =>
        /swarm\.iso verified \(sha256 efefefefefef…\) from s3 \(59%\), s5 \(39%\), s2 \(2%\) in 3s/.test(
          readFileSync(fake.logFile, 'utf8'),
        ),
      3_000,
      'the log line',
    );
  });
});

it('a download whose holder left is one Transfers row: no searching row stays after it fails or is retried', async () => {
  await withFake(120, 40, async (fake) => {
    fake.tmux.type('relocate.bin');
    fake.tmux.sendKeys('Enter');
    // The fake core searches twice more under fresh query ids (same download id), then gives up keeping 40%.
    let screen = await fake.tmux.waitUntil(
      (s) => transfersPanel(s).some((l) => /^↓ relocate\.bin ← s4 +✗ failed/.test(l)),
      5_000,
      'the failed row',
    );
    assert.equal(
      transfersPanel(screen).filter((l) => /relocate\.bin|searching/.test(l)).length,
      1,
      transfersPanel(screen).join('\n'),
    );
    fake.tmux.type('relocate.bin');
    fake.tmux.sendKeys('Enter');
    screen = await fake.tmux.waitUntil(
      (s) => transfersPanel(s).some((l) => /^↓ relocate\.bin ← s2.* +✓ verified 2\.0 MB/.test(l)),
      5_000,
      'the resumed download verified',
    );
    // Two seconds on: a searching row keyed by a search round would still be there (it lingered a minute).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    screen = fake.tmux.capture();
    const rows = transfersPanel(screen).filter((l) => l.trim() !== '');
    assert.not.ok(
      rows.some((l) => l.includes('searching')),
      rows.join('\n'),
    );
    assert.equal(rows.filter((l) => l.includes('relocate.bin')).length, 1, rows.join('\n'));
    assert.match(screen, /searching the mesh for relocate\.bin/, 'the log still tells each search');
  });
});

it('Tab completes a name seen offered and Up recalls the history', async () => {
  await withFake(80, 24, async (fake) => {
    fake.tmux.type('bet');
    fake.tmux.sendKeys('Tab');
    await fake.tmux.waitFor('s1> beta-notes.txt');
    fake.tmux.sendKeys('Enter');
    await until(() => fake.commands().includes('beta-notes.txt'), 3_000, 'the command to arrive');
    fake.tmux.type('al');
    fake.tmux.sendKeys('C-u', 'Up');
    await fake.tmux.waitFor('s1> beta-notes.txt');
    fake.tmux.sendKeys('Down');
    await fake.tmux.waitUntil((s) => /^s1> *$/m.test(s), 3_000, 'an empty line after Down');
    fake.tmux.type('Sto');
    fake.tmux.sendKeys('Tab');
    await fake.tmux.waitFor(/2 matches: Stop · Stop all/);
  });
});

it('an error for bad input shows prominently on the status line', async () => {
  await withFake(80, 24, async (fake) => {
    fake.tmux.type('bogus!');
    fake.tmux.sendKeys('Enter');
    // On the line above the prompt, on a red background.
    await fake.tmux.waitUntil(
      (s) => (screenLines(s)[22] ?? '').includes('✗ "bogus!" is not a command'),
      3_000,
      'the error',
    );
    assert.match(fake.tmux.captureRaw().split('\n')[22]!, /\x1b\[[0-9;]*41m/);
  });
});

it('TOPO shows every peer with its address; Esc closes the view', async () => {
  await withFake(120, 40, async (fake) => {
    fake.tmux.type('TOPO');
    fake.tmux.sendKeys('Enter');
    // Waits for the whole view: tmux may be captured between two writes of one frame.
    const rows = [1, 2, 3, 4, 5].map((i) => new RegExp(`s${i} +127\\.0\\.0\\.1:700${i} +↔`));
    const screen = await fake.tmux.waitUntil(
      (s) => s.includes('┌─ Mesh topology') && rows.every((r) => r.test(s)),
      5_000,
      'every peer in the TOPO view',
    );
    assert.match(screen, /s4 +127\.0\.0\.1:7004 +↔ s2, s3, s5/);
    fake.tmux.sendKeys('Escape');
    await fake.tmux.waitUntil(
      (s) => !s.includes('Mesh topology') && s.includes('┌─ Topology'),
      3_000,
      'the view to close',
    );
  });
});

it('q on an empty line asks first: n stays, y sends Stop and `stopped` ends the screen with exit 0', async () => {
  await withFake(80, 24, async (fake) => {
    fake.tmux.sendKeys('q');
    await fake.tmux.waitFor('Leave the mesh? y = leave gracefully');
    fake.tmux.sendKeys('n');
    await fake.tmux.waitFor('type a file name to fetch it');
    assert.equal(fake.commands(), []);
    fake.tmux.type('aq');
    await fake.tmux.waitFor('s1> aq', 2_000);
    fake.tmux.sendKeys('C-u', 'q');
    await fake.tmux.waitFor('Leave the mesh?');
    fake.tmux.type('uarterly'); // `q` was the start of a name: typing goes on
    await fake.tmux.waitFor('s1> quarterly', 2_000);
    assert.not.ok(fake.tmux.capture().includes('Leave the mesh?'));
    fake.tmux.sendKeys('C-u', 'q');
    await fake.tmux.waitFor('Leave the mesh?');
    fake.tmux.sendKeys('y');
    assert.is(await fake.tmux.waitForExit(5_000), 0);
    assert.is(fake.commands()[0], 'Stop');
    assert.not.ok(fake.tmux.capture().includes('┌─ Topology'), 'the screen was restored');
    const log = readFileSync(fake.logFile, 'utf8');
    assert.match(log, /ok +Welcome! Try alpha\.txt/);
    assert.match(log, /ok +joined the mesh as s1/);
    assert.match(log, /info +> Stop/);
    assert.match(log, /warn +stopped: asked to stop/);
  });
});

it('Ctrl-C asks too, and a second Ctrl-C confirms', async () => {
  await withFake(80, 24, async (fake) => {
    fake.tmux.sendKeys('C-c');
    await fake.tmux.waitFor('Leave the mesh?');
    fake.tmux.sendKeys('C-c');
    assert.is(await fake.tmux.waitForExit(5_000), 0);
    assert.is(fake.commands()[0], 'Stop');
  });
});

it('a burst of 20 000 progress events is drawn in a few frames per second', async () => {
  await withFake(80, 24, async (fake) => {
    fake.tmux.type('flood');
    fake.tmux.sendKeys('Enter');
    await until(() => fake.commands().some((c) => c.startsWith('#flood')), 15_000, 'the flood to finish');
    const note = JSON.parse(
      fake
        .commands()
        .find((c) => c.startsWith('#flood'))!
        .slice('#flood '.length),
    ) as { renders: number; events: number; ms: number; before: { renders: number; events: number } };
    const renders = note.renders - note.before.renders;
    assert.ok(note.events - note.before.events >= 20_000, `only ${note.events - note.before.events} events`);
    // One frame per 250 ms tick at most, plus one for the typed line; never one per event.
    assert.ok(renders <= Math.ceil(note.ms / 250) + 3, `${renders} frames in ${note.ms} ms`);
    await fake.tmux.waitFor(/flood\.bin ← s2 +✓ verified 1\.0 GB/, 3_000);
  });
});

it('stray console and stderr output lands in the log panel, not on the screen', async () => {
  await withFake(120, 40, async (fake) => {
    fake.tmux.type('noise');
    fake.tmux.sendKeys('Enter');
    const screen = await fake.tmux.waitUntil(
      (s) => s.includes('stray stderr write') && s.includes('stray console.error line'),
      3_000,
      'both stray lines',
    );
    for (const text of ['stray console.error line', 'stray stderr write']) {
      const line = screenLines(screen).find((l) => l.includes(text))!;
      assert.match(line, /│[^│]*stray[^│]*│$/, `not inside a panel: ${line}`);
    }
  });
});

it('a crash restores the terminal and Node reports it with a failing status', async () => {
  await withFake(80, 24, async (fake) => {
    fake.tmux.type('crash');
    fake.tmux.sendKeys('Enter');
    const status = await fake.tmux.waitForExit(5_000);
    assert.is.not(status, 0);
    const screen = fake.tmux.capture();
    assert.ok(screen.includes('Error: fake peer crashed on purpose'), screen);
    assert.not.ok(screen.includes('┌─ Topology'), 'the dashboard is gone, the error readable');
  });
});

test.run();
