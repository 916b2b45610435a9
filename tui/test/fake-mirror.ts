/**
 * The fake peer's mirror (fake-peer.ts `--mirror`): what a mirror peer's core reports, scripted. After `ready`
 * (with `mirror: true`): s2 in sync, s3 syncing 1,200 files (9.4 GB) over about 8 s with a `mirror` event per file,
 * s4 going offline at 3 s, s5 refused, and at 4 s a conflict on s2/docs/report.txt. `mirror` is answered with the
 * latest `mirror-status` (as peer/control/mirror-answer.ts does); `mirrorflood` sends 10,000 `mirror` events within a
 * second and notes in the record file how many frames they cost and how late a 10 ms timer ran meanwhile.
 * Not a test file itself.
 */
import { appendFileSync } from 'node:fs';
import type { MirrorOwnerStatus, PeerEventBody, PeerEventReport } from '../../peer/control/peer-events.js';

interface Host {
  emit(body: PeerEventReport): void;
  later(ms: number, fn: () => void): void;
}

const SYNC_FILES = 1_200;
const SYNC_FILE_BYTES = 8 * 1024 * 1024;
const SYNC_STEPS = 32;
const STEP_MS = 250;

export class FakeMirror {
  private owners: MirrorOwnerStatus[] = [];

  constructor(
    private readonly stats: () => { renders: number; events: number },
    private readonly recordFile: string,
  ) {}

  /** Starts the scenario once the peer is ready. */
  start(host: Host): void {
    const t = Date.now();
    const none = { files: 0, bytes: 0 };
    const base = { version: 1, behind: 0, total: none, done: none };
    this.owners = [
      { ...base, owner: 's2', state: 'in-sync', files: 3, bytes: 41_000, lastChange: t - 12_000 },
      {
        ...base,
        owner: 's3',
        state: 'syncing',
        behind: SYNC_FILES,
        files: 0,
        bytes: 0,
        total: { files: SYNC_FILES, bytes: SYNC_FILES * SYNC_FILE_BYTES },
        lastChange: null,
      },
      { ...base, owner: 's4', state: 'in-sync', files: 40, bytes: 5_000_000, lastChange: t - 600_000 },
      {
        ...base,
        owner: 's5',
        state: 'refused',
        files: 0,
        bytes: 0,
        lastChange: null,
        problem: 'its shared/ holds names that differ only in case (Notes.txt, notes.txt)',
      },
    ];
    this.status(host);
    for (let step = 1; step <= SYNC_STEPS; step += 1) host.later(step * STEP_MS, () => this.syncStep(host, step));
    host.later(3_000, () => {
      this.update('s4', { state: 'offline', behind: 2, problem: 's4 left the mesh' });
      this.status(host);
    });
    host.later(4_000, () => {
      host.emit({
        event: 'mirror',
        owner: 's2',
        path: 'docs/report.txt',
        action: 'conflict',
        kept: 'report.conflict-20261202-101500.txt',
      });
      this.update('s2', { lastChange: Date.now() });
      this.status(host);
    });
  }

  /** Answers `mirror` and `mirrorflood`; false for any other line. */
  command(line: string, reply: (body: PeerEventBody) => void, host: Host): boolean {
    if (/^mirror$/i.test(line)) {
      host.later(0, () => reply({ event: 'mirror-status', owners: this.owners.map((o) => ({ ...o })) }));
      return true;
    }
    if (line !== 'mirrorflood') return false;
    this.flood(host);
    return true;
  }

  private syncStep(host: Host, step: number): void {
    const s3 = this.owners.find((o) => o.owner === 's3')!;
    const before = s3.done.files;
    const files = Math.round((SYNC_FILES * step) / SYNC_STEPS);
    for (let i = before; i < files; i += 1)
      host.emit({
        event: 'mirror',
        owner: 's3',
        path: `photos/2026/img-${String(i).padStart(4, '0')}.jpg`,
        action: 'added',
      });
    const done = { files, bytes: files * SYNC_FILE_BYTES };
    const finished = files === SYNC_FILES;
    this.update('s3', {
      state: finished ? 'in-sync' : 'syncing',
      behind: SYNC_FILES - files,
      files,
      bytes: done.bytes,
      done,
      lastChange: Date.now(),
      version: finished ? 2 : 1,
    });
    this.status(host);
  }

  /** 10,000 changes within a second, in ten bursts: the dashboard must stay responsive and the log short. */
  private flood(host: Host): void {
    const before = this.stats();
    const t0 = Date.now();
    let maxLag = 0;
    let expected = t0 + 10;
    const probe = setInterval(() => {
      maxLag = Math.max(maxLag, Date.now() - expected);
      expected = Date.now() + 10;
    }, 10);
    for (let burst = 0; burst < 10; burst += 1) {
      host.later(burst * 100, () => {
        for (let i = burst * 1000; i < (burst + 1) * 1000; i += 1)
          host.emit({ event: 'mirror', owner: 's2', path: `bulk/file-${i}.bin`, action: 'added' });
      });
    }
    host.later(1_500, () => {
      clearInterval(probe);
      const after = this.stats();
      const note = { renders: after.renders - before.renders, events: after.events - before.events, maxLag };
      appendFileSync(this.recordFile, `#mirrorflood ${JSON.stringify({ ...note, ms: Date.now() - t0 })}\n`);
    });
  }

  private update(owner: string, change: Partial<MirrorOwnerStatus>): void {
    this.owners = this.owners.map((o) => (o.owner === owner ? { ...o, ...change } : o));
  }

  private status(host: Host): void {
    host.emit({ event: 'mirror-status', owners: this.owners.map((o) => ({ ...o })) });
  }
}
