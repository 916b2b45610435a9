import type { MirrorMessages } from '../../common/wire/mirror-messages.js';
import { P2pError } from '../../common/errors.js';
import { pathProblem } from '../files/relative-path.js';

/** Largest file a mirror takes (16 TiB): a larger size is a lie, whatever the schema lets through. */
export const MAX_MIRROR_FILE_BYTES = 2 ** 44;

/** The round a batch belongs to: the first batch fixes its epoch, version and kind; the rest must agree. */
export interface Round {
  epoch: string;
  seq: number;
  full: boolean;
}

/** What the mirror holds of the owner: the version applied and the paths the owner published to it. */
export interface Known {
  epoch: string;
  seq: number;
  published: ReadonlyMap<string, unknown>;
}

/**
 * Why a batch of changes from an owner must be refused (docs/CONTRACT.md "Mirror, discovery and bandwidth"), or
 * undefined when it may be applied: a hostile path, an impossible size, a version older than the one held in the
 * same epoch, a round whose batches disagree, an entry newer than its tree, a deletion of a path the owner never
 * published to this mirror. Pure: the caller closes the connection and logs the reason.
 */
export function batchProblem(
  batch: MirrorMessages['mirror-changes'],
  known: Known,
  round: Round | undefined,
): string | undefined {
  if (round && (round.epoch !== batch.epoch || round.seq !== batch.seq || round.full !== batch.full))
    return `a batch of version ${batch.epoch}/${batch.seq} inside a round of ${round.epoch}/${round.seq}`;
  const backwards = versionProblem(batch.epoch, batch.seq, known);
  if (backwards) return backwards;
  if (!batch.full && batch.epoch !== known.epoch) return `a new epoch (${batch.epoch}) without its full tree`;
  if (batch.full && batch.deleted.length) return 'deletion marks in a full tree';
  for (const f of batch.files) {
    const problem = pathProblem(f.path);
    if (problem) return `a hostile path: ${problem}`;
    if (f.size > MAX_MIRROR_FILE_BYTES) return `an impossible size for ${f.path}: ${f.size} bytes`;
    if (f.seq > batch.seq) return `${f.path} at version ${f.seq}, after its tree's ${batch.seq}`;
  }
  for (const d of batch.deleted) {
    const problem = pathProblem(d.path);
    if (problem) return `a hostile path: ${problem}`;
    if (!known.published.has(d.path)) return `a deletion of ${d.path}, which was never published`;
    if (d.seq > batch.seq || d.seq <= known.seq)
      return `a deletion of ${d.path} at version ${d.seq}, outside ${known.seq}..${batch.seq}`;
  }
  return undefined;
}

/** Why an owner's version (a batch, or a `mirror-changed` note) is refused: older than the one held, same epoch. */
export function versionProblem(epoch: string, seq: number, known: Known): string | undefined {
  if (epoch === known.epoch && seq < known.seq) return `its version went backwards (${seq} after ${known.seq})`;
  return undefined;
}

/** Errors of a connection that are the far end's bad input (common/errors.ts). */
const BAD_INPUT = new Set([
  'P2P_ERR_BAD_MESSAGE',
  'P2P_ERR_UNKNOWN_TYPE',
  'P2P_ERR_BAD_FRAME',
  'P2P_ERR_FRAME_TOO_LARGE',
  'P2P_ERR_BUFFER_OVERFLOW',
]);

/** Whether a connection's error is the far end's bad input (the owner is refused), not a mere failure. */
export function badInput(err: unknown): boolean {
  return err instanceof P2pError && BAD_INPUT.has(err.code);
}
