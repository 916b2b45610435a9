/**
 * Liveness against an event-loop stall, over a real socket: the far end is a worker thread that keeps sending while
 * this thread is busy for longer than the idle limit. After such a stall Node runs expired timers before it reads
 * the socket, so the idle check must not give its verdict before that read.
 */
import { createServer, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Channel } from '../channel.js';
import { peerMessages } from '../wire/peer-messages.js';

const SENDER = `
const { connect } = require('node:net');
const { workerData } = require('node:worker_threads');
const socket = connect(workerData.port, '127.0.0.1');
const frame = Buffer.from(workerData.frame);
const timer = setInterval(() => socket.write(frame), 5);
socket.on('error', () => clearInterval(timer));
`;

test('a stall of the main thread longer than the idle limit does not cut a link that kept sending', async () => {
  const server = createServer();
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const frame = peerMessages.encode('ping', { n: 1 });
  const worker = new Worker(SENDER, { eval: true, workerData: { port, frame: new Uint8Array(frame) } });
  const socket = await Promise.race([
    accepted,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the sender did not connect')), 5000).unref()),
  ]);
  const channel = new Channel(socket, peerMessages, { idleTimeoutMs: 60 });
  let pings = 0;
  channel.on('message', () => pings++);
  try {
    await new Promise((r) => setTimeout(r, 50));
    // Block inside a timer callback, so the idle timer is due in the same timers phase, before the poll reads.
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        const until = Date.now() + 200;
        while (Date.now() < until);
        resolve();
      }, 1),
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(pings > 0, 'the sender never reached us');
    assert.ok(channel.isOpen, 'the stall alone closed a link whose data was waiting');
  } finally {
    channel.destroy();
    server.close();
    await worker.terminate();
  }
});

test.run();
