/**
 * A stand-in peer program for the dashboard's terminal tests: it implements PeerHandle with scripted events and
 * records every command line it receives, so the tests check the real dashboard in a real terminal (tmux) without
 * the network. Not a test file itself (no `.test.` in its name).
 *
 * Usage: node dist/tui/test/fake-peer.js --record FILE --log FILE [--name s1] [--mirror: a mirror, fake-mirror.ts]
 * Commands it understands: TOPO, help, list, find, where and `longerror` (fake-answers.ts; `list` gives the scenario's files with `--scenario`), Stop, a file name (downloads it in ~1 s), `missing.txt` (not found),
 * `broken.bin` (fails mid-way), `relocate.bin` (its holder leaves at 40%: two more search rounds, then it fails keeping
 * what it has; asked again, it resumes under the same download id and completes), `swarm.iso` (resumed from 600 MB, then fetched from s3, s5 and s2 at once over ~3 s,
 * s2 stopping early), `bogus!` (refused with an error), `flood` (20 000 progress events as fast as possible), `noise`
 * (writes to console and stderr), `crash` (throws from a timer). `--scenario FILE` (JSON: `peers`, `shared`) replaces
 * the mesh and the shared files, e.g. with ten peers or names in other scripts.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import type { PeerEvent, PeerEventBody, PeerEventReport } from '../../peer/control/peer-events.js';
import type { PeerHandle } from '../../peer/control/peer-handle.js';
import { runDashboard } from '../dashboard.js';
import { scriptedAnswer } from './fake-answers.js';
import { FakeMirror } from './fake-mirror.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const recordFile = option('record', '/dev/null');
const logFile = option('log', '/dev/null');
const selfName = option('name', 's1');
const scenarioFile = option('scenario', '');
const scenario = (scenarioFile ? JSON.parse(readFileSync(scenarioFile, 'utf8')) : {}) as {
  peers?: typeof DEFAULT_PEERS;
  shared?: typeof DEFAULT_SHARED;
};
const DEFAULT_PEERS = [
  { name: selfName, id: 'id-self-0001', host: '127.0.0.1', port: 7001, neighbours: ['s2', 's3'] },
  { name: 's2', id: 'id-s2-000002', host: '127.0.0.1', port: 7002, neighbours: [selfName, 's4'] },
  { name: 's3', id: 'id-s3-000003', host: '127.0.0.1', port: 7003, neighbours: [selfName, 's4'] },
  { name: 's4', id: 'id-s4-000004', host: '127.0.0.1', port: 7004, neighbours: ['s2', 's3', 's5'] },
  { name: 's5', id: 'id-s5-000005', host: '127.0.0.1', port: 7005, neighbours: ['s4'] },
];
const DEFAULT_SHARED = [
  { name: 'alpha.txt', size: 1200 },
  { name: 'beta-notes.txt', size: 34_000 },
  { name: 'photo.png', size: 5_000 },
];
const PEERS = scenario.peers ?? DEFAULT_PEERS;
const SHARED = scenario.shared ?? DEFAULT_SHARED;

class FakePeer implements PeerHandle {
  readonly name = selfName;
  private readonly listeners = new Set<(event: PeerEvent) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly downloads: { name: string; size: number }[] = [];
  /** Command lines received so far (each event a command causes carries its number as `cmd`). */
  private seq = 0;
  /** Download ids of interrupted downloads, by file: asking again resumes under the same id, as the core does. */
  private readonly partial = new Map<string, string>();
  private bytesIn = 0;

  subscribe(listener: (event: PeerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(body: PeerEventReport): void {
    const event = { ...body, t: Date.now() } as PeerEvent;
    for (const l of this.listeners) l(event);
  }

  later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  start(): void {
    this.emit({ event: 'server', state: 'connecting', address: '127.0.0.1:7000' });
    this.later(100, () => {
      this.emit({
        event: 'ready',
        name: selfName,
        id: 'id-self-0001',
        host: '127.0.0.1',
        port: 7001,
        neighbours: [],
        server: '127.0.0.1:7000',
        dir: '/tmp/fake',
        ...(mirror ? { mirror: true } : {}),
      });
      this.emit({ event: 'server', state: 'connected', address: '127.0.0.1:7000', peers: 5 });
      this.emit({ event: 'neighbour-up', name: 's2', id: 'id-s2-000002', host: '127.0.0.1', port: 7002 });
      this.emit({ event: 'neighbour-up', name: 's3', id: 'id-s3-000003', host: '127.0.0.1', port: 7003 });
      this.emit({ event: 'files', shared: SHARED, downloads: [] });
      // What the core sends every few seconds: the server's view. `topology` only answers TOPO.
      this.emit({ event: 'mesh', peers: PEERS });
      this.emit({ event: 'log', level: 'info', message: 'fake peer ready' });
      mirror?.start(this);
    });
    const stats = setInterval(() => {
      this.bytesIn += 512;
      this.emit({
        event: 'neighbour-stats',
        neighbours: [
          {
            name: 's2',
            id: 'id-s2-000002',
            host: '127.0.0.1',
            port: 7002,
            since: started,
            bytesIn: this.bytesIn,
            bytesOut: 900,
            rttMs: 2,
          },
          {
            name: 's3',
            id: 'id-s3-000003',
            host: '127.0.0.1',
            port: 7003,
            since: started,
            bytesIn: 300,
            bytesOut: 300,
            rttMs: null,
          },
        ],
      });
    }, 1000);
    this.timers.add(stats as unknown as NodeJS.Timeout);
  }

  leave(reason: string): void {
    this.emit({ event: 'leaving', reason });
    this.later(100, () => this.emit({ event: 'stopped', reason }));
  }

  command(line: string): number {
    const cmd = ++this.seq;
    appendFileSync(recordFile, `${line}\n`);
    this.run(line, cmd);
    return cmd;
  }

  private run(line: string, cmd: number): void {
    const reply = (body: PeerEventBody) => this.emit({ ...body, cmd });
    const download = this.partial.get(line) ?? `d${cmd}`;
    const query = `q${cmd}`;
    if (/^topo$/i.test(line)) return this.later(50, () => reply({ event: 'topology', peers: PEERS }));
    // Answered once the dashboard holds the line's number, as the core does (peer/control/command-gate.ts).
    if (scenarioFile && /^list$/i.test(line))
      return this.later(0, () =>
        reply({ event: 'list', files: SHARED.map((f) => ({ ...f, sha256: '0'.repeat(64), holders: 2 })) }),
      );
    if (mirror?.command(line, reply, this)) return;
    const answer = scriptedAnswer(line);
    if (answer) return this.later(0, () => reply(answer));
    if (/^stop( all)?$/i.test(line)) {
      reply({ event: 'leaving', reason: 'asked to stop' });
      return this.later(100, () => reply({ event: 'stopped', reason: 'asked to stop' }));
    }
    if (line === 'bogus!')
      return reply({ event: 'error', message: '"bogus!" is not a command or a file name; type help' });
    if (line === 'noise') {
      console.error('stray console.error line');
      process.stderr.write('stray stderr write\n');
      return;
    }
    if (line === 'crash') {
      return this.later(10, () => {
        throw new Error('fake peer crashed on purpose');
      });
    }
    if (line === 'flood') return this.flood(download, reply);
    if (line === 'relocate.bin') return this.relocate(line, download, cmd, reply);
    reply({ event: 'query-sent', query, download, file: line, hops: 5, neighbours: 2 });
    if (line === 'missing.txt') return this.later(300, () => reply({ event: 'not-found', download, file: line }));
    if (line === 'swarm.iso') return this.swarm(download, line, reply);
    const bytes = 3 * 1024 * 1024;
    this.later(150, () =>
      reply({ event: 'download-started', download, file: line, from: 's4', bytes, sha256: 'ab'.repeat(32) }),
    );
    for (let step = 1; step <= 10; step += 1) {
      this.later(150 + step * 100, () => {
        if (line === 'broken.bin' && step > 4) return;
        reply({
          event: 'download-progress',
          download,
          file: line,
          from: 's4',
          bytes,
          received: (bytes * step) / 10,
          sources: [
            { name: 's4', bytes: (bytes * step) / 20, pieces: step, active: true },
            { name: 's2', bytes: (bytes * step) / 20, pieces: step, active: true },
          ],
        });
      });
    }
    this.later(1300, () => {
      if (line === 'broken.bin') {
        reply({
          event: 'download-failed',
          download,
          file: line,
          reason: 's4 closed the connection at 40%',
          kept: bytes * 0.4,
        });
        return;
      }
      reply({
        event: 'download-complete',
        download,
        file: line,
        path: `Downloads/${line}`,
        bytes,
        sha256: 'ab'.repeat(32),
        from: 's4',
        ms: 1150,
        sources: [
          { name: 's4', bytes: bytes / 2, pieces: 6, active: false },
          { name: 's2', bytes: bytes / 2, pieces: 6, active: false },
        ],
      });
      this.downloads.push({ name: line, size: bytes });
      this.emit({ event: 'files', shared: SHARED, downloads: [...this.downloads] });
    });
  }

  /**
   * What the core reports for a download whose holder leaves at 40%: the same download id through two more rounds of
   * searching (fresh query ids), then a failure keeping its pieces; asked again, it resumes and completes.
   */
  private relocate(file: string, download: string, cmd: number, reply: (body: PeerEventBody) => void): void {
    const bytes = 2 * 1024 * 1024;
    const sha256 = '12'.repeat(32);
    if (this.partial.has(file)) {
      this.partial.delete(file);
      const have = bytes * 0.4;
      reply({ event: 'download-resumed', download, file, sha256, bytes, have });
      reply({ event: 'query-sent', query: `q${cmd}`, download, file, hops: 5, neighbours: 2 });
      this.later(200, () => reply({ event: 'download-started', download, file, from: 's2', bytes, sha256 }));
      this.later(500, () =>
        reply({
          event: 'download-complete',
          download,
          file,
          path: `Downloads/${file}`,
          bytes,
          sha256,
          from: 's2',
          ms: 300,
          sources: [{ name: 's2', bytes: bytes - have, pieces: 6, active: false }],
        }),
      );
      return;
    }
    reply({ event: 'query-sent', query: `q${cmd}`, download, file, hops: 5, neighbours: 2 });
    this.later(150, () => reply({ event: 'download-started', download, file, from: 's4', bytes, sha256 }));
    this.later(300, () =>
      reply({
        event: 'download-progress',
        download,
        file,
        from: 's4',
        bytes,
        received: bytes * 0.4,
        sources: [{ name: 's4', bytes: bytes * 0.4, pieces: 4, active: false }],
      }),
    );
    this.later(400, () =>
      reply({ event: 'query-sent', query: `q${cmd}-round2`, download, file, hops: 5, neighbours: 2 }),
    );
    this.later(700, () =>
      reply({ event: 'query-sent', query: `q${cmd}-round3`, download, file, hops: 5, neighbours: 2 }),
    );
    this.later(1000, () => {
      this.partial.set(file, download);
      reply({
        event: 'download-failed',
        download,
        file,
        reason: 'every holder is gone; 40% is kept: ask again to resume',
        kept: bytes * 0.4,
      });
    });
  }

  /**
   * A download resumed from a partial file and served by three holders at once, as the swarm core reports it
   *: s3 sends 60% and s5 40% of what is fetched here, s2 sends 8 MB and stops sending early.
   */
  private swarm(download: string, file: string, reply: (body: PeerEventBody) => void): void {
    const MiB = 1024 * 1024;
    const bytes = 1024 * MiB;
    const have = 600 * MiB;
    const steps = 12;
    const dropped = 8 * MiB;
    const shares = (step: number, finished: boolean) => {
      const rest = ((bytes - have - dropped) * step) / steps;
      return [
        { name: 's3', bytes: Math.round(rest * 0.6), pieces: step * 3, active: !finished },
        { name: 's5', bytes: Math.round(rest * 0.4), pieces: step * 2, active: !finished },
        {
          name: 's2',
          bytes: step >= 2 ? dropped : dropped / 2,
          pieces: step >= 2 ? 2 : 1,
          active: step < 2 && !finished,
        },
      ].sort((a, b) => b.bytes - a.bytes);
    };
    this.later(100, () => reply({ event: 'download-resumed', download, file, sha256: 'ef'.repeat(32), bytes, have }));
    this.later(300, () =>
      reply({ event: 'download-started', download, file, from: 's3', bytes, sha256: 'ef'.repeat(32) }),
    );
    for (let step = 1; step <= steps; step += 1) {
      this.later(300 + step * 250, () => {
        const sources = shares(step, false);
        const received = have + sources.reduce((n, x) => n + x.bytes, 0);
        reply({ event: 'download-progress', download, file, from: sources[0]!.name, bytes, received, sources });
      });
    }
    this.later(300 + (steps + 1) * 250, () => {
      reply({
        event: 'download-complete',
        download,
        file,
        path: `Downloads/${file}`,
        bytes,
        sha256: 'ef'.repeat(32),
        from: 's3',
        ms: (steps + 1) * 250,
        sources: shares(steps, true),
      });
      this.downloads.push({ name: file, size: bytes });
      this.emit({ event: 'files', shared: SHARED, downloads: [...this.downloads] });
    });
  }

  /** Many progress events in a burst, as a fast transfer produces: the dashboard must not render per event. */
  private flood(download: string, reply: (body: PeerEventBody) => void): void {
    const bytes = 1024 * 1024 * 1024;
    const total = 20_000;
    const t0 = Date.now();
    reply({ event: 'download-started', download, file: 'flood.bin', from: 's2', bytes, sha256: 'cd'.repeat(32) });
    let sent = 0;
    const burst = () => {
      for (let i = 0; i < 500 && sent < total; i += 1) {
        sent += 1;
        reply({
          event: 'download-progress',
          download,
          file: 'flood.bin',
          from: 's2',
          bytes,
          received: Math.floor((bytes * sent) / total),
          sources: [{ name: 's2', bytes: Math.floor((bytes * sent) / total), pieces: sent, active: true }],
        });
      }
      if (sent < total) {
        setImmediate(burst);
        return;
      }
      reply({
        event: 'download-complete',
        download,
        file: 'flood.bin',
        path: 'Downloads/flood.bin',
        bytes,
        sha256: 'cd'.repeat(32),
        from: 's2',
        ms: Date.now() - t0,
        sources: [{ name: 's2', bytes, pieces: total, active: false }],
      });
      appendFileSync(
        recordFile,
        `#flood ${JSON.stringify({ ...dashboard.stats(), ms: Date.now() - t0, before: statsBefore })}\n`,
      );
    };
    const statsBefore = dashboard.stats();
    burst();
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

const started = Date.now();
const mirror = args.includes('--mirror') ? new FakeMirror(() => dashboard.stats(), recordFile) : null;
const peer = new FakePeer();
const dashboard = runDashboard(peer, { logFile, serverAddress: '127.0.0.1:7000', version: '0.0.0-test' });
peer.subscribe((event) => {
  if (event.event !== 'stopped') return;
  // What the lead's main does: the dashboard has already restored the terminal (it saw `stopped` first).
  peer.stop();
  appendFileSync(recordFile, `#stopped ${JSON.stringify(dashboard.stats())}\n`);
  process.exit(0);
});
peer.start();
