import { answerWithin } from '../../common/answer-within.js';

/**
 * How long a search waits for the metadata server's index. A server cut off silently (a split LAN) is found lost
 * only after 5 s of silence (docs/PROTOCOL.md "Transport and liveness"), and an unanswered request waits 3 s: a
 * download that waited that long for the index would flood only as its query timeout ran out, and searches on the
 * side without the server would all end `not-found`, although their holders are a flood away
 * (testnet/test/partition.e2e.test.ts). A server that is there answers within a LAN round trip and a little work.
 */
export const INDEX_WAIT_MS = 1000;

/** The index's answer, or undefined (the server "cannot answer now") after INDEX_WAIT_MS. */
export function indexWithin<T>(answer: Promise<T | undefined>): Promise<T | undefined> {
  return answerWithin(answer, INDEX_WAIT_MS);
}
