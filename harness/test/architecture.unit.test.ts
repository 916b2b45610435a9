/**
 * The architecture's rules, checked on the sources (docs/ARCHITECTURE.md "Rules"): no import circles, no source file
 * over 400 lines, dependencies pointing one way between the top-level folders, no part of the peer importing the
 * composition root, and tests, benches and the harness kept apart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

/** The checkout: this file runs as dist/harness/test/architecture.unit.test.js. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FOLDERS = ['common', 'metadata-server', 'peer', 'tui', 'demo', 'bench', 'harness', 'testnet', 'bridge'];
const MAX_LINES = 400;

interface Source {
  path: string;
  lines: number;
  imports: string[];
}

function listSources(): Source[] {
  const out: Source[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = posix.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(read(rel));
    }
  };
  for (const f of FOLDERS) walk(f);
  return out;
}

function read(path: string): Source {
  const text = readFileSync(join(ROOT, path), 'utf8');
  const imports: string[] = [];
  const re = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)'(\.{1,2}\/[^']+)'/g;
  for (let m; (m = re.exec(text));) {
    imports.push(posix.normalize(posix.join(posix.dirname(path), m[1]!)).replace(/\.js$/, '.ts'));
  }
  return { path, lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0), imports };
}

const sources = listSources();
const byPath = new Map(sources.map((s) => [s.path, s]));
const isTest = (p: string) => /(^|\/)test\//.test(p) || p.endsWith('.test.ts');
const top = (p: string) => p.split('/')[0]!;

test('the sources were found', () => {
  assert.ok(sources.length > 100, `only ${sources.length} sources under ${ROOT}`);
  assert.ok(byPath.has('peer/peer.ts'));
});

test('every relative import names a file that exists', () => {
  const missing = sources.flatMap((s) => s.imports.filter((i) => !byPath.has(i)).map((i) => `${s.path} → ${i}`));
  assert.equal(missing, []);
});

test(`no source file is over ${MAX_LINES} lines`, () => {
  const long = sources.filter((s) => s.lines > MAX_LINES).map((s) => `${s.path} (${s.lines})`);
  assert.equal(long, []);
});

test('there is no import circle anywhere', () => {
  const state = new Map<string, 'visiting' | 'done'>();
  const circles: string[] = [];
  const visit = (path: string, stack: string[]) => {
    if (state.get(path) === 'done') return;
    if (state.get(path) === 'visiting') {
      circles.push([...stack.slice(stack.indexOf(path)), path].join(' → '));
      return;
    }
    state.set(path, 'visiting');
    for (const next of byPath.get(path)?.imports ?? []) visit(next, [...stack, path]);
    state.set(path, 'done');
  };
  for (const s of sources) visit(s.path, []);
  assert.equal(circles, []);
});

test('dependencies between the top-level folders point one way', () => {
  // What each folder's non-test code may import besides itself.
  const allowed: Record<string, string[]> = {
    common: [],
    'metadata-server': ['common'],
    peer: ['common'],
    tui: ['common', 'peer'],
    demo: ['common', 'peer', 'tui'],
    harness: ['common', 'peer'],
    bench: ['common', 'metadata-server', 'peer', 'tui', 'demo', 'harness', 'bridge'],
    testnet: ['common', 'peer', 'harness', 'demo'],
    bridge: ['common', 'peer'],
  };
  const wrong: string[] = [];
  for (const s of sources) {
    if (isTest(s.path)) continue;
    for (const i of s.imports) {
      const from = top(s.path);
      const to = top(i);
      if (to !== from && !allowed[from]!.includes(to)) wrong.push(`${s.path} → ${i}`);
    }
  }
  // The one exception: the `peer` command attaches the dashboard when stdout is a terminal.
  assert.equal(
    wrong.filter((w) => !w.startsWith('peer/main.ts → tui/')),
    [],
  );
});

test('no part of the peer imports the composition root; the dashboard sees only the event contract', () => {
  const root = sources.filter(
    (s) => s.path !== 'peer/main.ts' && s.imports.includes('peer/peer.ts') && !isTest(s.path),
  );
  assert.equal(
    root.map((s) => s.path),
    [],
  );
  const tuiIntoPeer = sources
    .filter((s) => top(s.path) === 'tui')
    .flatMap((s) =>
      s.imports.filter((i) => top(i) === 'peer' && !i.startsWith('peer/control/')).map((i) => `${s.path} → ${i}`),
    );
  assert.equal(tuiIntoPeer, []);
});

test('tests, benches and the harness do not import each other', () => {
  const wrong: string[] = [];
  for (const s of sources) {
    for (const i of s.imports) {
      if (top(s.path) === 'bench' && isTest(i)) wrong.push(`${s.path} → ${i}`);
      if (isTest(s.path) && top(i) === 'bench') wrong.push(`${s.path} → ${i}`);
      if (top(s.path) === 'harness' && !isTest(s.path) && isTest(i)) wrong.push(`${s.path} → ${i}`);
      // A suite may use its own folder's helpers (test/*.ts), never another suite.
      if (i.endsWith('.test.ts')) wrong.push(`${s.path} → ${i}`);
    }
  }
  assert.equal(wrong, []);
});

test('comments cite only files in the repo, and the sections they name exist', () => {
  const outside = /\bSPEC\b|STYLE\.md|TOOLCHAIN\.md|\bissues? \d|\bseeds? \d{3}/;
  const wrong: string[] = [];
  for (const s of sources) {
    const text = readFileSync(join(ROOT, s.path), 'utf8');
    text.split('\n').forEach((line, i) => {
      if (outside.test(line)) wrong.push(`${s.path}:${i + 1} cites something outside the repo: ${line.trim()}`);
      for (const m of line.matchAll(/docs\/([A-Za-z-]+\.md)(?: "([^"]+)")?/g)) {
        let doc: string;
        try {
          doc = readFileSync(join(ROOT, 'docs', m[1]!), 'utf8');
        } catch {
          wrong.push(`${s.path}:${i + 1} cites docs/${m[1]}, which does not exist`);
          continue;
        }
        const section = m[2];
        if (section && !doc.split('\n').some((l) => /^#+ /.test(l) && l.replace(/^#+ /, '').trim() === section)) {
          wrong.push(`${s.path}:${i + 1} cites the section "${section}" of docs/${m[1]}, which has no such heading`);
        }
      }
    });
  }
  assert.equal(wrong, []);
});

test.run();
