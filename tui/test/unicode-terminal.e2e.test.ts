/**
 * Names in other scripts on the real dashboard in a real terminal (tmux, UTF-8 locale), driven by the fake peer
 * (fake-peer.ts) with a scenario of Chinese, emoji (a ZWJ family, a flag) and decomposed-accent names: every panel
 * shows them whole with the columns beside them in place, the command line types, edits and completes them.
 * Columns are counted with tui/text-width.ts, which agrees with tmux for every character used here.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { screenLines, TmuxSession } from '../../harness/tmux-session.js';
import { textWidth } from '../text-width.js';

const FAKE_PEER = fileURLToPath(new URL('./fake-peer.js', import.meta.url));
const it = TmuxSession.available() ? test : test.skip;

const CJK = '数据集-报告.txt';
const PARTY = '🎉party.bin';
const CAFE_NFD = 'cafe\u0301.txt';
const FAMILY = '👨\u200d👩\u200d👧 family 🇫🇷.png';
const SHARED = [
  { name: CJK, size: 1200 },
  { name: PARTY, size: 34_000 },
  { name: CAFE_NFD, size: 5_000 },
  { name: FAMILY, size: 77 },
];

interface Run {
  tmux: TmuxSession;
  commands(): string[];
}

async function withUnicodeFake(width: number, height: number, name: string, body: (run: Run) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'meshshare-unicode-'));
  const recordFile = join(dir, 'commands.txt');
  const scenario = join(dir, 'scenario.json');
  writeFileSync(scenario, JSON.stringify({ shared: SHARED }));
  const tmux = TmuxSession.start({
    command: [process.execPath, FAKE_PEER, '--record', recordFile, '--scenario', scenario, '--name', name],
    width,
    height,
    env: { TERM: 'xterm-256color', LANG: 'C.UTF-8' },
  });
  try {
    await tmux.waitFor('fake peer ready', 8_000);
    const commands = () => {
      try {
        return readFileSync(recordFile, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    };
    await body({ tmux, commands });
  } finally {
    tmux.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every row is exactly the terminal's width (a character drawn wider than blessed placed it pushes a row over). */
function assertRowsFit(screen: string, width: number): void {
  for (const line of screenLines(screen)) {
    if (/[│┐┘]$/.test(line)) assert.is(textWidth(line), width, `row not ${width} columns: ${line}`);
  }
}

/** Column at which the `n`-th `│` of a row stands (counted in terminal columns). */
function borderColumns(line: string): number[] {
  const out: number[] = [];
  let column = 0;
  for (const ch of line) {
    if (ch === '│') out.push(column);
    column += textWidth(ch);
  }
  return out;
}

it('80x24: names in other scripts show whole in Files, Transfers and the command line, borders in place', async () => {
  await withUnicodeFake(80, 24, 's1', async ({ tmux, commands }) => {
    const filesRow = (s: string) => screenLines(s).find((l) => l.includes(PARTY)) ?? '';
    const screen = await tmux.waitUntil((s) => /S 🎉party\.bin +33 KB│/.test(filesRow(s)), 5_000, 'the emoji name');
    assert.not.match(screen, /\?\?/);
    assertRowsFit(screen, 80);
    // The Files row with the emoji has its borders where the plain rows have theirs.
    const plain = screenLines(screen).find((l) => /(shared|S) 4 \(/.test(l))!; // the counts row, in words or marks
    assert.equal(borderColumns(filesRow(screen)), borderColumns(plain));

    // Typing a Chinese prefix and Tab completes the name; Enter fetches it.
    tmux.type('数据');
    tmux.sendKeys('Tab');
    await tmux.waitUntil((s) => screenLines(s).some((l) => l.startsWith(`s1> ${CJK}`)), 3_000, 'completion');
    tmux.sendKeys('Enter');
    const done = await tmux.waitUntil(
      (s) => s.includes(`↓ ${CJK} ← s4`) && /✓ verified/.test(s),
      6_000,
      'the Chinese download verified',
    );
    assert.ok(commands().includes(CJK), commands().join(' | '));
    assertRowsFit(done, 80);
    const row = screenLines(done).find((l) => l.includes(`↓ ${CJK} ← s4`))!;
    assert.match(row, /✓ verified 3\.0 MB.*│$/);

    // The cursor steps over an emoji as one character: a🎉b, Left Left, Delete → ab.
    tmux.type('a🎉b');
    tmux.sendKeys('Left', 'Left', 'Delete');
    await tmux.waitUntil((s) => /^s1> ab *$/m.test(s), 3_000, 'the emoji deleted whole');
    tmux.sendKeys('Escape');
    // `café` typed composed completes the decomposed name.
    tmux.type('caf\u00e9');
    tmux.sendKeys('Tab');
    await tmux.waitUntil((s) => /^s1> café\.txt/m.test(s.normalize('NFC')), 3_000, 'café completed');
  });
});

it('120x40: header, prompt and the list answer in the log keep their columns with such names', async () => {
  await withUnicodeFake(120, 40, '节点一', async ({ tmux }) => {
    tmux.type('list');
    tmux.sendKeys('Enter');
    const screen = await tmux.waitUntil((s) => s.includes('list: 4 files in the mesh'), 5_000, 'the list answer');
    assert.not.match(screen, /\?\?/);
    assertRowsFit(screen, 120);
    assert.match(screenLines(screen)[0] ?? '', /^ 节点一 /);
    assert.ok(screenLines(screen).some((l) => l.startsWith('节点一>')));
    // The list table: the size column ends in the same terminal column on every row.
    const rows = screenLines(screen).filter((l) =>
      SHARED.some((f) => l.normalize('NFC').includes(`${f.name.normalize('NFC')}  `)),
    );
    const ends = rows.map((l) => {
      const m = /\d+(?:\.\d)? (?:B|KB)  2 holders/.exec(l)!;
      return textWidth(l.slice(0, m.index + m[0].length));
    });
    assert.ok(rows.length >= 4, rows.join('\n'));
    assert.ok(new Set(ends).size === 1, rows.join('\n'));
  });
});

test.run();
