/**
 * The topology panel in a real terminal (tmux) with 8 and 10 peers (fake-peer.ts --scenario) at 80x24 and 120x40:
 * every name shows whole, never touched by a line glyph on either side; where the panel is too small for a legible
 * drawing, every peer is listed as `name → neighbours`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { screenLines, TmuxSession } from '../../harness/tmux-session.js';

const FAKE_PEER = fileURLToPath(new URL('./fake-peer.js', import.meta.url));
const it = TmuxSession.available() ? test : test.skip;

/** A ring with a chord: every peer has two or three neighbours. */
function ringPeers(n: number) {
  const names = Array.from({ length: n }, (_, i) => `s${i + 1}`);
  const neighbours = names.map((_, i) => new Set([names[(i + 1) % n]!, names[(i + n - 1) % n]!]));
  neighbours[0]!.add(names[n / 2]!);
  neighbours[n / 2]!.add(names[0]!);
  return names.map((name, i) => ({
    name,
    id: `id-${name}-0000`,
    host: '127.0.0.1',
    port: 7001 + i,
    neighbours: [...neighbours[i]!],
  }));
}

/** The inside of the Topology panel, one string per row. */
function topologyPanel(screen: string): string[] {
  const lines = screenLines(screen);
  const top = lines.findIndex((l) => l.includes('┌─ Topology'));
  if (top < 0) return [];
  const left = lines[top]!.indexOf('┌─ Topology');
  const right = lines[top]!.indexOf('┐', left);
  const inside: string[] = [];
  for (const line of lines.slice(top + 1)) {
    if (line[left] !== '│') break;
    inside.push(line.slice(left + 1, right));
  }
  return inside;
}

for (const [width, height] of [
  [80, 24],
  [120, 40],
] as const) {
  for (const n of [8, 10]) {
    it(`${width}x${height}, ${n} peers: every name whole and clear of line glyphs`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'meshshare-topology-'));
      const scenario = join(dir, 'scenario.json');
      writeFileSync(scenario, JSON.stringify({ peers: ringPeers(n) }));
      const tmux = TmuxSession.start({
        command: [process.execPath, FAKE_PEER, '--scenario', scenario],
        width,
        height,
        env: { TERM: 'xterm-256color', LANG: 'C.UTF-8' },
      });
      try {
        const names = ringPeers(n).map((p) => p.name);
        const screen = await tmux.waitUntil(
          (s) => s.includes(`${n} peers · as of`) && names.every((name) => topologyPanel(s).join('\n').includes(name)),
          8_000,
          'the mesh in the Topology panel',
        );
        const panel = topologyPanel(screen);
        const text = panel.join('\n');
        const listed = panel.some((l) => l.includes(' → '));
        for (const name of names) {
          // Whole: not followed by another digit (s1 is not the start of s10).
          const at = new RegExp(`(^|[^\\w])${name}(?!\\d)`);
          assert.match(text, at, `${name} missing:\n${text}`);
          for (const row of panel) {
            const m = new RegExp(`(.?)${name}(?!\\d)(.?)`).exec(row);
            if (!m) continue;
            assert.not.match(`${m[1]}${m[2]}`, /[─│╱╲┼\\/|+-]/, `${name} touches a line:\n${text}`);
          }
        }
        if (width === 120) assert.not.ok(listed, `a drawing expected at 120x40:\n${text}`);
        else for (const name of names) assert.match(text, new RegExp(`${name} → `), `${name} listed:\n${text}`);
      } finally {
        tmux.kill();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

test.run();
