import { Duplex } from 'node:stream';

/**
 * Two connected in-memory streams, like the two ends of a TCP connection (Node 20 has no `stream.duplexPair`).
 * Bytes written to one end arrive at the other on a later turn of the event loop, in order; ending one end ends
 * the other's readable side; destroying one end closes the other too (like a reset). No sockets: usable in the unit
 * tier.
 */
export function duplexPair(): [Duplex, Duplex] {
  const make = (deliver: (chunk: Buffer | null) => void, peer: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        setImmediate(() => {
          deliver(chunk);
          callback();
        });
      },
      final(callback) {
        setImmediate(() => {
          deliver(null);
          callback();
        });
      },
      destroy(err, callback) {
        setImmediate(() => {
          if (!peer().destroyed) peer().destroy();
        });
        callback(err);
      },
    });
  const a: Duplex = make(
    (chunk) => void b.push(chunk),
    () => b,
  );
  const b: Duplex = make(
    (chunk) => void a.push(chunk),
    () => a,
  );
  return [a, b];
}
