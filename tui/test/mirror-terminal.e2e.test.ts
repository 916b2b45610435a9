/**
 * A mirror peer's dashboard as a person sees it (tmux), driven by the fake peer's mirror (fake-mirror.ts): the header
 * says mirror, the Mirror panel follows a sync of 1,200 files with a bar, an owner going offline and a refused one,
 * `mirror` opens the view of every owner, the log shows a conflict and sums up the sync in a line, at 80x24 and
 * 120x40; and 10,000 changes within a second leave the dashboard responsive and the log short.
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

interface Run {
  tmux: TmuxSession;
  /** Lines of the fake peer's record file (commands received, and its `#` notes). */
  record(): string[];
  /** The dashboard's log file. */
  log(): string;
}

async function withMirror(width: number, height: number, body: (run: Run) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'meshshare-mirror-'));
  const [recordFile, logFile] = [join(dir, 'record.txt'), join(dir, 'dashboard.log')];
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  const tmux = TmuxSession.start({
    command: [process.execPath, FAKE_PEER, '--mirror', '--record', recordFile, '--log', logFile],
    width,
    height,
    env: { TERM: 'xterm-256color', LANG: 'C.UTF-8' },
  });
  try {
    await tmux.waitFor('fake peer ready', 8_000);
    await body({ tmux, record: () => read(recordFile).split('\n').filter(Boolean), log: () => read(logFile) });
  } finally {
    tmux.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The screen row holding `text`, which must sit inside a panel's borders. */
function rowWith(screen: string, text: string): string {
  const row = screenLines(screen).find((l) => l.includes(text));
  assert.ok(row, `no row with ${text} in\n${screen}`);
  assert.match(
    row!,
    new RegExp(`│[^│]*${text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}[^│]*│`),
    `not in a panel: ${row}`,
  );
  return row!;
}

it('at 80x24 the Mirror panel follows a sync, an owner going offline and a refusal; mirror opens the view', async () => {
  await withMirror(80, 24, async ({ tmux }) => {
    let screen = await tmux.waitFor(/─ Mirror ─/, 3_000);
    assert.match(screenLines(screen)[0]!, /connected +mirror +mesh/);
    screen = await tmux.waitFor(/s3 █+░+ [\d,]+\/1,200 files/, 5_000);
    rowWith(screen, 's5 ✗ refused: its shared/');
    // While it syncs, the view gives the folder's progress as a whole under the owner's row.
    tmux.type('mirror');
    tmux.sendKeys('Enter');
    screen = await tmux.waitFor(/─ Mirror ─+┐\n│mirror: 4 owners · /, 3_000);
    assert.match(screen, /│owner +state +behind +files +held +last change +│/);
    assert.match(screen, /│s3 +syncing \d+% +[\d,]+ +[\d,]+ +[\d.]+ [KMG]?B +(just now|\ds ago) +│/);
    assert.match(screen, /│ {2}█+░+ [\d,]+ of 1,200 files · [\d.]+ [KMG]?B of 9\.4 GB *│/);
    assert.match(screen, /│ {2}its shared\/ holds names that differ only in case/);
    tmux.sendKeys('Escape');
    // Once synced: s3 in sync, s4 offline, and the log sums the sync up and says where the conflicting edit went.
    screen = await tmux.waitFor(/mirrored 1,195 more from s3: 1,195 added/, 12_000);
    rowWith(screen, 's3 ✓ in sync');
    rowWith(screen, 's4 offline · 2 behind');
    assert.match(screen, /! conflict on s2\/docs\/report\.txt: kept your/);
    assert.match(screen, /\+ s3\/photos\/2026\/img-0004\.jpg/);
    assert.not.match(screen, /img-0005/);
    tmux.type('mirror');
    tmux.sendKeys('Enter');
    screen = await tmux.waitFor(/│s3 +✓ in sync +0 +1,200 +9\.4 GB +\S+ ago +│/, 3_000);
    assert.match(screen, /│s4 +offline +2 +40 +4\.8 MB +10m\d\ds ago +│/);
    assert.match(screen, /│ {2}s4 left the mesh +│/);
    assert.match(screen, /│total +2 +1,243 +9\.4 GB +│/);
  });
});

it('at 120x40 the Mirror panel shows what each owner holds and when it last changed', async () => {
  await withMirror(120, 40, async ({ tmux }) => {
    let screen = await tmux.waitFor(/s3 █+░+ [\d,]+\/1,200 files/, 5_000);
    rowWith(screen, 's2 ✓ in sync 3 files 40 KB · 1');
    // Rows to spare: the sync's bytes under its bar, and later why s4 is offline.
    assert.match(screen, /│s3 █+░+ [\d,]+\/1,200 files *│.*\n│ {3}[\d.]+ [KMG]?B of 9\.4 GB · [\d,]+ files behind *│/);
    screen = await tmux.waitFor(/s4 offline · 2 files behind · 10m\d\ds ago *│.*\n│ {3}s4 left the mesh/, 6_000);
    screen = await tmux.waitFor(/s3 ✓ in sync 1,200 files 9\.4 GB · /, 10_000);
    rowWith(screen, 's5 ✗ refused: its shared/ holds names that di');
    rowWith(screen, '1,243 files, 9.4 GB · type mirror');
    tmux.type('mirror');
    tmux.sendKeys('Enter');
    screen = await tmux.waitFor(/│mirror: 4 owners · 2 in sync, 1 offline, 1 refused +│/, 3_000);
    assert.match(screen, /│s2 +✓ in sync +0 +3 +40 KB +\S+ ago +│/);
    // The view is only as tall as its rows: the panels above it stay in sight.
    assert.match(screen, /─ Topology ─/);
  });
});

it('10,000 mirrored changes within a second: a few frames, a responsive terminal, a short log', async () => {
  await withMirror(80, 24, async ({ tmux, record, log }) => {
    await tmux.waitFor(/s3 ✓ in sync/, 12_000);
    await tmux.waitFor(/mirrored 1,195 more from s3/, 3_000);
    tmux.type('mirrorflood');
    tmux.sendKeys('Enter');
    const deadline = Date.now() + 15_000;
    while (!record().some((l) => l.startsWith('#mirrorflood')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const line = record().find((l) => l.startsWith('#mirrorflood'));
    assert.ok(line, 'the flood did not finish');
    const note = JSON.parse(line!.slice('#mirrorflood '.length)) as {
      renders: number;
      events: number;
      ms: number;
      maxLag: number;
    };
    console.log(`  10,000 mirror events: ${JSON.stringify(note)}`);
    assert.ok(note.events >= 10_000, `only ${note.events} events`);
    // One frame per 250 ms tick at most, plus one for the typed line; never one per event.
    assert.ok(note.renders <= Math.ceil(note.ms / 250) + 3, `${note.renders} frames in ${note.ms} ms`);
    // The event loop kept turning: a 10 ms timer was never held up for long.
    assert.ok(note.maxLag < 250, `a timer ran ${note.maxLag} ms late`);
    await tmux.waitFor(/mirrored 9,995 more from s2: 9,995 added/, 3_000);
    tmux.type('still typing');
    await tmux.waitFor(/s1> still typing/, 1_000);
    const bulk = log()
      .split('\n')
      .filter((l) => l.includes('s2/bulk/'));
    assert.is(bulk.length, 5, bulk.join('\n'));
  });
});

test.run();
