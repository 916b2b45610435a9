import type { AddressBook } from '../files/address-book.js';
import { caused, type PeerEventReport } from '../control/peer-events.js';
import type { Job, Locator } from './download-job.js';
import { notFoundMessage, suggestNames } from './suggestions.js';

/**
 * What a download answers when no holder it would take offered the file within the query timeout
 * (docs/CONTRACT.md "Choosing among contents"):
 * - `FILE from PEER` where PEER is in the mesh (a live peer the metadata server lists, or a neighbour):
 *   `download-failed`, "s3 does not hold notes.txt", naming the peers that do, if any;
 * - otherwise `not-found`, with close names from the index and the address book, and a `message` saying what was
 *   looked for (the peer, or the SHA-256 prefix, when the user chose one).
 */
export async function noHolderAnswer(job: Job, locator: Locator, book: AddressBook): Promise<PeerEventReport> {
  const { from, prefix } = job.want;
  const file = job.query;
  if (job.refusal) {
    // Holders answered, but with content (or an identity) this download may not take: say why, not "not found".
    return caused({ event: 'download-failed', download: job.download, file, reason: job.refusal }, job.cmd);
  }
  if (from && (await locator.member(from))) {
    const others = ((await locator.index('name', file)) ?? [])
      .flatMap((e) => e.holders.map((h) => h.name))
      .filter((name, i, all) => name !== locator.self().name && all.indexOf(name) === i)
      .sort();
    const elsewhere = others.filter((name) => name !== from);
    const who = elsewhere.length === 0 ? '' : `; ${elsewhere.join(', ')} ${elsewhere.length === 1 ? 'does' : 'do'}`;
    // The index may still list a holder that is going away or could not be reached: say what happened instead.
    const what = others.includes(from) ? `${from} holds ${file} but did not offer it` : `${from} does not hold ${file}`;
    const body = { event: 'download-failed', download: job.download, file, reason: `${what}${who}` };
    return caused(body as PeerEventReport, job.cmd);
  }
  const index = (await locator.index('all', '')) ?? [];
  const suggestions = suggestNames(file, [...index.map((e) => e.name), ...book.all().map((s) => s.name)]);
  const message = from
    ? `${file}: no peer named ${from} answered (it is not in the mesh)`
    : prefix
      ? `${file}: no peer offers it with a SHA-256 starting ${prefix}`
      : notFoundMessage(file, suggestions);
  return caused({ event: 'not-found', download: job.download, file, suggestions, message }, job.cmd);
}
