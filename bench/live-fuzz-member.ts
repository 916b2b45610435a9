/**
 * The live fuzzer as a registered member (bench/live-fuzz.ts): before its member phase it joins the metadata server
 * under the name `fuzzer` with its identity key (FUZZ_KEY), goes live and keeps heartbeating, so the peers count
 * its id as one the mesh knows (peer/transport/peer-listener.ts gives unknown ids 8 connections in all): its
 * hostile traffic then meets what a misbehaving member of the mesh would.
 */
import { Channel } from '../common/channel.js';
import { serverMessages, PROTOCOL_VERSION, type ServerMessages } from '../common/wire/server-messages.js';
import { connectTo, FUZZ_KEY, type Access, type Target } from './live-fuzz-probe.js';

/** Joins as `fuzzer`; resolves with a function that leaves. Rejects when the server does not admit it. */
export async function registerMember(server: Target, access: Access): Promise<() => void> {
  const channel = new Channel(await connectTo(server, access, 5000), serverMessages, { idleTimeoutMs: 0 });
  channel.on('error', () => undefined);
  const answer = await new Promise<{ kind: string; body: unknown }>((resolve, reject) => {
    channel.once('message', resolve);
    channel.once('close', () => reject(new Error('the metadata server closed the fuzzer member')));
    channel.send('join', {
      flag: 'p2p',
      name: 'fuzzer',
      id: FUZZ_KEY.id,
      host: '127.0.0.1',
      version: PROTOCOL_VERSION,
    });
  });
  if (answer.kind !== 'welcome') throw new Error(`the fuzzer member was refused: ${JSON.stringify(answer.body)}`);
  const { port } = answer.body as ServerMessages['welcome'];
  channel.send('listening', { port, neighbours: [] });
  const beat = setInterval(() => channel.send('heartbeat', { neighbours: [] }), 1000);
  return () => {
    clearInterval(beat);
    channel.send('leave', { reason: 'fuzzing done' });
    channel.end();
  };
}
