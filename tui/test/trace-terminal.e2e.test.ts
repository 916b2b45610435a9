/**
 * `trace FILE` on the dashboard, as a person uses it (tmux), with real peers: s1's dashboard in a diamond (s1–s2,
 * s1–s3, s2–s4, s3–s4) where s4 holds the file. Typing `trace diamond.bin` lights the steps up one by one on the
 * topology picture (the legend counts them), the marks end as → for the two forwarders, ✓ for s4, × where a copy
 * came twice, and the log lists the steps and then sums them up.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh, PEER_BIN } from '../../harness/mesh.js';
import { screenLines, TmuxSession } from '../../harness/tmux-session.js';

const it = TmuxSession.available() ? test : test.skip;

/** The inside of the Topology panel, one string per row. */
function topologyPanel(screen: string): string {
  const lines = screenLines(screen);
  const top = lines.findIndex((l) => l.includes('┌─ Topology'));
  if (top < 0) return '';
  const left = lines[top]!.indexOf('┌─ Topology');
  const right = lines[top]!.indexOf('┐', left);
  const inside: string[] = [];
  for (const line of lines.slice(top + 1)) {
    if (line[left] !== '│') break;
    inside.push(line.slice(left + 1, right));
  }
  return inside.join('\n');
}

it('trace draws the flood step by step on the topology picture, then sums it up in the log', async () => {
  const mesh = new Mesh();
  let tmux: TmuxSession | null = null;
  try {
    mesh.seed('s4', { 'diamond.bin': Buffer.alloc(50_000, 9) });
    await mesh.startServer();
    const peer = [process.execPath, PEER_BIN, 's1', '--server', mesh.serverAddress, '--dir', mesh.dirOf('s1')];
    tmux = TmuxSession.start({
      // A fixed hop limit: with one just above the diameter, a copy that went round the long way could expire.
      command: [...peer, ...mesh.meshArgs(), '--hops', '7'],
      width: 140,
      height: 42,
      env: { TERM: 'xterm-256color', LANG: 'C.UTF-8' },
    });
    await tmux.waitFor(/joined the mesh as s1/, 15_000);
    await mesh.startPeer('s2');
    await mesh.startPeer('s3');
    const s4 = await mesh.startPeer('s4');
    await s4.waitHashed();
    // The picture knows the whole diamond (the metadata server's view arrives every few seconds).
    await tmux.waitUntil(
      (s) => /4 peers · as of/.test(topologyPanel(s)) && ['s2', 's3', 's4'].every((n) => topologyPanel(s).includes(n)),
      15_000,
      'the diamond in the Topology panel',
    );
    await new Promise((r) => setTimeout(r, 1200)); // every link has pinged: round trips measured
    tmux.type('trace diamond.bin');
    tmux.sendKeys('Enter');
    // Part way: some steps lit, not all.
    const partial = await tmux.waitUntil(
      (s) => /trace diamond\.bin: [1-4]\/5/.test(topologyPanel(s)),
      10_000,
      'the trace part way',
    );
    const done = await tmux.waitUntil(
      (s) => /trace diamond\.bin: 5\/5/.test(topologyPanel(s)) && /5 messages, 2 duplicates/.test(s),
      10_000,
      'the whole trace and its summary',
    );
    const picture = topologyPanel(done);
    assert.ok(topologyPanel(partial).split(/[→✓×]/).length < picture.split(/[→✓×]/).length, 'more marks at the end');
    assert.match(picture, /s4✓/, `s4 answered:\n${picture}`);
    assert.match(picture, /s2→/);
    assert.match(picture, /s3→/);
    const drawing = picture.split('\n').slice(0, -1).join('\n'); // the legend is the last row
    assert.equal(drawing.match(/×/g)?.length, 2, `two duplicates marked:\n${picture}`);
    assert.match(picture.split('\n').at(-1)!, /trace diamond\.bin: 5\/5 · → forwarded × duplicate/);
    assert.match(done, /trace diamond\.bin: 5 copies of the query \(hop limit 7\)/);
    assert.match(done, /ms +s4 ← s[23] +hop 2 +answered/);
    // The summary may wrap in the log panel.
    assert.match(done, /5 messages, 2 duplicates, reached 3 peers, answered by/);
    assert.match(done, /s4 \(a trace does not download\)/);
    assert.not.match(done, /download of diamond\.bin|diamond\.bin.*verified/);
  } finally {
    tmux?.kill();
    await mesh.close();
  }
});

it('a line with a hop limit of 2: s2 forwards, s3 shows the hourglass, nobody answers', async () => {
  const mesh = new Mesh();
  let tmux: TmuxSession | null = null;
  try {
    await mesh.startServer(['--topology', 'line']);
    const peer = [process.execPath, PEER_BIN, 's1', '--server', mesh.serverAddress, '--dir', mesh.dirOf('s1')];
    tmux = TmuxSession.start({
      command: [...peer, ...mesh.meshArgs(), '--hops', '2'],
      width: 120,
      height: 40,
      env: { TERM: 'xterm-256color', LANG: 'C.UTF-8' },
    });
    await tmux.waitFor(/joined the mesh as s1/, 15_000);
    for (const name of ['s2', 's3', 's4']) await mesh.startPeer(name);
    await tmux.waitUntil((s) => /4 peers · as of/.test(topologyPanel(s)), 15_000, 'the line in the Topology panel');
    tmux.type('Trace nothing.txt');
    tmux.sendKeys('Enter');
    const done = await tmux.waitUntil(
      (s) => /trace nothing\.txt: 2\/2/.test(topologyPanel(s)) && /2 messages, 0 duplicates/.test(s),
      10_000,
      'the trace and its summary',
    );
    const picture = topologyPanel(done);
    assert.match(picture, /s2→/, picture);
    assert.match(picture, /s3⌛/, picture);
    assert.not.match(picture, /s4[→✓⌛×]/, 's4 is three links away');
    assert.match(done, /s3 ← s2 +hop 2 +expired/);
    // The summary may wrap in the log panel.
    assert.match(done, /2 messages, 0 duplicates, reached 2 peers,/);
    assert.match(done, /nobody answered/);
  } finally {
    tmux?.kill();
    await mesh.close();
  }
});

test.run();
