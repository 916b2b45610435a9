import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { nanoid } from 'nanoid';
import type { CustodyFile } from '../../common/wire/peer-messages.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import type { Hasher } from '../content/hasher.js';
import type { PartialFiles } from '../content/partial-file.js';
import { askHolder, declineOffer, readOffer } from '../transfer/ask-holder.js';
import { SwarmDownload } from '../transfer/swarm-download.js';
import type { Dialer } from '../transport/transport.js';
import type { Bandwidth } from '../transfer/bandwidth.js';

/** What a custody transfer needs of the peer. */
export interface FetchDeps {
  transport: Dialer;
  hasher: Hasher;
  /** Partial files of custody transfers: apart from the downloads', so a restart never resumes one into Downloads/. */
  partials: PartialFiles;
  self: () => PeerRef;
  /** A file placed whole and verified: offered at once, without waiting for it to settle (FileCatalog.vouch). */
  vouch(path: string): void;
  /** The peer-wide caps: custody and backup bytes count against them like a download's. */
  bandwidth?: Bandwidth;
}

export type FetchOutcome = { ok: true; name: string } | { ok: false; reason: string };

/**
 * Fetches one file of known content from one peer (`holder`, which must prove its id) into `dir`, through the same
 * verified piece transfer as a download (peer/transfer/swarm-download.ts): a partial file first, the whole SHA-256
 * checked, then the rename into place. Used both ways of custody: a custodian taking a leaving owner's files, and a
 * returning owner taking them back. Never throws.
 */
export async function fetchInto(
  deps: FetchDeps,
  holder: PeerRef,
  file: CustodyFile,
  dir: string,
  /** Told the bytes verified as they come (for a progress row). */
  progress: (received: number) => void = () => undefined,
  /** A rate cap (peer/backup/pacer.ts); default none. */
  pace?: (bytes: number) => number,
): Promise<FetchOutcome> {
  const qid = nanoid();
  const answer = await askHolder(deps.transport, holder, {
    qid,
    file: file.name,
    sha256: file.sha256,
    from: deps.self(),
  });
  if ('problem' in answer) return { ok: false, reason: answer.problem };
  const manifest = readOffer(answer.offer);
  if (typeof manifest === 'string' || manifest.sha256 !== file.sha256 || manifest.size !== file.size) {
    const reason = typeof manifest === 'string' ? manifest : 'it offered another content than the one agreed';
    declineOffer(answer.channel, qid, reason);
    return { ok: false, reason };
  }
  try {
    mkdirSync(dir, { recursive: true });
    const options = pace ? { pace } : {};
    const swarm = new SwarmDownload(
      qid,
      { file: answer.offer.file, manifest },
      dir,
      deps.hasher,
      deps.partials,
      options,
    );
    swarm.on('progress', (received) => progress(received));
    const done = new Promise<FetchOutcome>((resolve) => {
      swarm.once('complete', (name) => {
        deps.vouch(join(dir, name));
        resolve({ ok: true, name });
      });
      swarm.once('failed', (reason) => resolve({ ok: false, reason }));
      swarm.once('stalled', () => void swarm.abort(`${holder.name} went away`));
    });
    // A transfer of this content cut short (a restart, kill -9) goes on from its verified pieces.
    const kept = deps.partials.all().find((r) => r.manifest.sha256 === file.sha256);
    await swarm.open(kept);
    swarm.addSource(holder.name, deps.bandwidth?.attach(answer.channel, 'down') ?? answer.channel);
    return await done;
  } catch (err) {
    answer.channel.destroy();
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
