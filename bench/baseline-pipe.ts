/**
 * The baseline of bench/transfer: the same bytes through a minimal Node pipe, no framing, no verification.
 * `receive PATH` listens on a free port, prints it, writes what arrives to PATH (`-` discards it: the network's
 * ceiling), and prints `{ms, bytes, maxRssKb}` when the sender closes. `send HOST:PORT PATH` streams the file into the socket and prints `{maxRssKb}`.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { connect, createServer } from 'node:net';
import { pipeline } from 'node:stream/promises';

const [mode, a, b] = process.argv.slice(2);
const rssKb = () => process.resourceUsage().maxRSS;

if (mode === 'receive') {
  const server = createServer(async (socket) => {
    const started = performance.now();
    let bytes = 0;
    socket.on('data', (c: Buffer) => (bytes += c.length));
    if (a === '-') {
      socket.resume();
      await new Promise((r) => socket.once('end', r));
    } else {
      await pipeline(socket, createWriteStream(a!));
    }
    console.log(JSON.stringify({ ms: performance.now() - started, bytes, maxRssKb: rssKb() }));
    server.close();
  });
  server.listen(0, '127.0.0.1', () =>
    console.log(JSON.stringify({ port: (server.address() as { port: number }).port })),
  );
} else if (mode === 'send') {
  const [host, port] = a!.split(':');
  const socket = connect({ host: host!, port: Number(port) });
  await new Promise((r) => socket.once('connect', r));
  await pipeline(createReadStream(b!, { highWaterMark: 1024 * 1024 }), socket);
  console.log(JSON.stringify({ maxRssKb: rssKb() }));
} else {
  console.error('usage: baseline-pipe receive PATH | send HOST:PORT PATH');
  process.exit(2);
}
