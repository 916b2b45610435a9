import { once } from 'node:events';
import { connect } from 'node:net';

/**
 * A stranger's view of a port: plain TCP to `port` on loopback, writes `bytes`, and returns everything that came
 * back before the far end closed (`closed`) or `waitMs` passed. Tests of the mesh key check that it reveals nothing.
 */
export async function plainExchange(
  port: number,
  bytes: Buffer,
  waitMs = 3000,
): Promise<{ received: Buffer; closed: boolean }> {
  const socket = connect({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  await once(socket, 'connect', { signal: AbortSignal.timeout(5000) });
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.write(bytes);
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    once(socket, 'close').then(() => true),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), waitMs))),
  ]);
  clearTimeout(timer);
  socket.destroy();
  return { received: Buffer.concat(chunks), closed };
}
