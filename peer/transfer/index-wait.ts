/**
 * How long a search waits for the metadata server's index. A server cut off silently (a split LAN) is found lost
 * only after 5 s of silence (docs/PROTOCOL.md "Transport and liveness"), and an unanswered request waits 3 s: a
 * download that waited that long for the index would flood only as its query timeout ran out, and searches on the
 * side without the server would all end `not-found`, although their holders are a flood away
 * (testnet/test/partition.e2e.test.ts). A server that is there answers within a LAN round trip and a little work.
 */
export const INDEX_WAIT_MS = 1000;

/** `answer`, or undefined (the server "cannot answer now") when it takes longer than `ms`. */
export async function answerWithin<T>(answer: Promise<T | undefined>, ms = INDEX_WAIT_MS): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}
