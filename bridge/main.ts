#!/usr/bin/env node
/**
 * `peer-bridge`: joins an office's mesh to other offices' over a private Hyperswarm DHT (docs/BEYOND-LAN.md "The
 * bridge"). Two forms:
 *
 *   peer-bridge NAME --dir DIR --key-file FILE --dht HOST:PORT [--dht …] [--dht-host ADDR] [--dht-port N]
 *               [--dht-reachable] [-- PEER ARGS]
 *   peer-bridge dht-node --host ADDR --port N [--nodes N] [--dht HOST:PORT …]
 *
 * The first runs a bridge whose peer is NAME in DIR (PEER ARGS, such as `--server` and `--host`, go to it); the
 * second runs DHT nodes (3 unless `--nodes`) others bootstrap from. `--dht-reachable`: this bridge's UDP address needs no holepunching
 * (no NAT between the bridges, as in the namespace test). Neither ever uses a bootstrap node it was not given. One JSON object
 * a line on stdout (`bridge-ready`, `bridge-link`, `bridge-fetched`, `dht-node-ready`); diagnostics on stderr.
 * Exit 2 on bad arguments or when the optional packages are missing.
 *
 * May import: common/, bridge/.
 */
import { parseArgs } from 'node:util';
import { parseHostPort } from '../common/host-port.js';
import { Bridge } from './bridge.js';
import { loadHyperswarm, type DhtAddress } from './hyperswarm-engine.js';

const USAGE =
  'usage: peer-bridge NAME --dir DIR --key-file FILE --dht HOST:PORT [--dht-host ADDR] [--dht-port N] [--dht-reachable]\n' +
  '       [-- PEER ARGS]\n' +
  '       peer-bridge dht-node --host ADDR --port N [--nodes N] [--dht HOST:PORT ...]';

function say(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function refuse(message: string): never {
  process.stderr.write(`peer-bridge: ${message}\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const dash = argv.indexOf('--');
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const peerArgs = dash >= 0 ? argv.slice(dash + 1) : [];
  let parsed;
  try {
    parsed = parseArgs({
      args: own,
      allowPositionals: true,
      options: {
        dir: { type: 'string' },
        'key-file': { type: 'string' },
        dht: { type: 'string', multiple: true },
        'dht-host': { type: 'string' },
        'dht-port': { type: 'string' },
        'dht-reachable': { type: 'boolean' },
        host: { type: 'string' },
        port: { type: 'string' },
        nodes: { type: 'string' },
      },
    });
  } catch (err) {
    refuse((err as Error).message);
  }
  const { values, positionals } = parsed;
  const name = positionals[0];
  if (!name || positionals.length > 1) refuse('name one bridge (or dht-node)');
  let dht: DhtAddress[];
  try {
    dht = (values.dht ?? []).flatMap((v) => v.split(',')).map((v) => parseHostPort(v, 'a DHT node'));
  } catch (err) {
    refuse((err as Error).message);
  }
  const port = (text: string | undefined, what: string) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0 || n > 65535) refuse(`${what} must be a port number`);
    return n;
  };

  if (name === 'dht-node') {
    if (!values.host || values.port === undefined) refuse('a DHT node needs --host and --port');
    const count = Number(values.nodes ?? '3');
    if (!Number.isInteger(count) || count < 1 || count > 16) refuse('--nodes must be 1 to 16');
    const engine = await loadHyperswarm();
    if (typeof engine === 'string') refuse(engine);
    // A DHT of one node stores announcements but connects nobody (measured): run a few, all on this address, the
    // first on --port and the others bootstrapping from it (as hyperdht's testnet.js does).
    const first = engine.bootstrapNode({ bootstrap: dht, host: values.host, port: port(values.port, '--port')! });
    await first.fullyBootstrapped();
    const at = { host: values.host, port: first.address().port };
    const nodes = [first];
    while (nodes.length < count) {
      const node = engine.bootstrapNode({ bootstrap: [at, ...dht], host: values.host, port: 0 });
      await node.fullyBootstrapped();
      nodes.push(node);
    }
    say({ event: 'dht-node-ready', host: at.host, port: at.port, nodes: nodes.length });
    const stop = () => void Promise.all(nodes.map((n) => n.destroy())).finally(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return;
  }

  if (!values.dir) refuse('a bridge needs --dir, its peer folder');
  if (!values['key-file']) refuse('a bridge needs --key-file, the mesh key');
  if (dht.length === 0) refuse('a bridge needs --dht HOST:PORT: it never uses a public bootstrap node');
  const bridge = new Bridge({
    name,
    dir: values.dir,
    keyFile: values['key-file'],
    dht,
    dhtHost: values['dht-host'],
    dhtPort: port(values['dht-port'], '--dht-port'),
    dhtReachable: values['dht-reachable'] === true,
    peerArgs,
  });
  bridge.on('log', (line) => process.stderr.write(`${name}: ${line}\n`));
  bridge.on('link-up', (remote) => say({ event: 'bridge-link', remote }));
  bridge.on('fetched', (file, sha256, from, bytes, ms) =>
    say({ event: 'bridge-fetched', file, sha256, from, bytes, ms }),
  );
  const stop = () => void bridge.stop().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    await bridge.start();
  } catch (err) {
    process.stderr.write(`peer-bridge: ${(err as Error).message}\n`);
    await bridge.stop();
    process.exit(2);
  }
  say({ event: 'bridge-ready', name, id: bridge.id });
}

void main();
