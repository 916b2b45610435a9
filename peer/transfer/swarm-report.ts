import type { PeerEventReport } from '../control/peer-events.js';
import { cancelledEvent, type Job } from './download-job.js';
import type { SwarmDownload } from './swarm-download.js';

/** What a swarm's events become, and what its download does about them (downloads.ts). */
export interface SwarmReportSink {
  event(e: PeerEventReport): void;
  log(message: string, level: 'info' | 'warn'): void;
  /** Every source is gone with pieces missing: look for holders again. */
  stalled(): void;
  /** It completed or failed: the download is over. */
  ended(): void;
}

/**
 * Turns one swarm's events into its download's events (docs/ARCHITECTURE.md "Events with identities": each carries
 * the download's `download` id and, when a command line started it, `cmd`). `downloadsLabel` names the downloads
 * folder in `download-complete`'s `path`.
 */
export function reportSwarm(swarm: SwarmDownload, job: Job, downloadsLabel: string, sink: SwarmReportSink): void {
  const { content } = swarm;
  const base = () => ({
    download: job.download,
    file: content.file,
    ...(job.cmd === undefined ? {} : { cmd: job.cmd }),
  });
  const { size, sha256 } = content.manifest;
  let first = '';
  swarm.on('started', (from) => {
    first = from;
    sink.event({ event: 'download-started', ...base(), from, bytes: size, sha256 });
  });
  swarm.on('progress', (received, sources) =>
    sink.event({
      event: 'download-progress',
      ...base(),
      from: sources[0]?.name ?? first,
      bytes: size,
      received,
      sources,
    }),
  );
  swarm.on('source', (name, what, detail) =>
    sink.log(
      `${content.file}: ${name} ${what === 'bad-piece' ? 'sent a bad piece' : what}: ${detail}`,
      what === 'joined' ? 'info' : 'warn',
    ),
  );
  swarm.on('stalled', () => sink.stalled());
  swarm.on('complete', (name, sha256, sources) => {
    sink.ended();
    sink.event({
      event: 'download-complete',
      ...base(),
      path: `${downloadsLabel}/${name}`,
      bytes: size,
      sha256,
      from: sources[0]?.name ?? first,
      ms: Date.now() - job.started,
      sources,
    });
  });
  swarm.on('failed', (reason, kept) => {
    sink.ended();
    if (job.refused) return; // it ended as `ambiguous`, already said
    if (job.cancelled) sink.event(cancelledEvent(job, content.file, kept));
    else sink.event({ event: 'download-failed', ...base(), reason, kept });
  });
}
