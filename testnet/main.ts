#!/usr/bin/env node
/**
 * `npm run testnet -- --peers 10` (as root): a metadata server and N peers, each on a host of its own (testnet/README.md).
 * Refuses, with one sentence and exit 2, where it would touch this machine's network or cannot do what was asked
 * (testnet/preflight.ts); removes everything it made on exit, Ctrl-C, SIGTERM, SIGHUP, and through its reaper even
 * after kill -9 (testnet/owner.ts).
 */
import { createInterface } from 'node:readline';
import { describeError } from '../common/errors.js';
import type { PeerEvent } from '../peer/control/peer-events.js';
import {
  namesRefusal,
  netemRefusal,
  rootRefusal,
  subnetRefusal,
  chooseSubnet,
  machineAddressesAndRoutes,
} from './preflight.js';
import { startReaper, sweepLeftovers, testnetTag } from './owner.js';
import { Testnet, type HostInfo } from './testnet.js';
import { parseTargetedLine, parseTestnetOptions, TESTNET_HELP, type TestnetOptions } from './testnet-options.js';

function refuse(sentence: string): never {
  console.error(`testnet: ${sentence}`);
  process.exit(2);
}

let options: TestnetOptions;
try {
  options = parseTestnetOptions(process.argv.slice(2));
} catch (err) {
  refuse(describeError(err));
}
if (options.help) {
  process.stdout.write(TESTNET_HELP);
  process.exit(0);
}
const notRoot = rootRefusal();
if (notRoot) refuse(notRoot);
const noNetem = netemRefusal(options);
if (noNetem) refuse(noNetem);

const swept = sweepLeftovers();
if (swept.length > 0)
  console.log(`removed ${swept.length} namespaces left by testnets that are gone: ${swept.join(', ')}`);

const view = machineAddressesAndRoutes();
const subnet = options.subnet ?? chooseSubnet(view.addr, view.route);
if (subnet === undefined) refuse('no free 10.214.x.0/24 on this machine: choose a subnet with --subnet');
const overlap = subnetRefusal(subnet, view);
if (overlap) refuse(overlap);

const net = new Testnet({
  peers: options.peers,
  subnet,
  tag: testnetTag(),
  maxPeers: options.maxPeers,
  rateMbit: options.rateMbit,
  delayMs: options.delayMs,
  lossPct: options.lossPct,
  files: options.files ?? 'demo',
});
const taken = namesRefusal(net.namespaces());
if (taken) refuse(taken);

startReaper(process.pid, net.config.tag, net.mesh.root);
let stopping: Promise<void> | undefined;
const stop = (code: number) => {
  stopping ??= (async () => {
    const started = Date.now();
    await net.stop().catch((err) => console.error(`testnet: teardown: ${describeError(err)}`));
    console.log(`testnet removed (${Date.now() - started} ms)`);
    process.exit(code);
  })();
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(0));
// Whatever ends this process otherwise (an uncaught error, process.exit): remove the hosts synchronously.
process.on('exit', () => net.stopNow());

const started = Date.now();
console.log(`testnet ${net.config.tag}: starting ${options.peers} peers on ${subnet}.0/24 ...`);
try {
  await net.start();
} catch (err) {
  console.error(`testnet: could not start: ${describeError(err)}`);
  stop(1);
  await new Promise(() => {}); // stop() exits
}
printHosts(net.hosts());
console.log(`testnet ready: ${options.peers} peers joined in ${Date.now() - started} ms`);

for (const name of net.names) {
  net.peer(name).onEvent = (e) => {
    if (options.verbose || shown(e)) console.log(`${name}: ${JSON.stringify(e)}`);
  };
}
for (const line of options.commands) forward(line);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === '') return;
  if (/^\s*hosts\s*$/i.test(line)) return printHosts(net.hosts());
  if (/^\s*(quit|exit)\s*$/i.test(line)) return stop(0);
  forward(line);
});

/** Answers to commands, and a peer's arrival and departure; the rest with --verbose. */
function shown(e: PeerEvent): boolean {
  return 'cmd' in e || e.event === 'ready' || e.event === 'stopped' || e.event === 'error';
}

function forward(line: string): void {
  const target = parseTargetedLine(line);
  if (!target) return void console.log('testnet: type "sN: COMMAND" (e.g. s3: TOPO), "all: COMMAND", hosts or quit');
  const peers = target.peer === 'all' ? net.names : [target.peer];
  for (const name of peers) {
    const p = net.mesh.peers.get(name);
    if (!p || p.exitCode !== undefined) console.log(`testnet: no running peer ${name}`);
    else p.send(target.command);
  }
}

function printHosts(hosts: HostInfo[]): void {
  const tag = net.config.tag;
  console.log(
    `LAN ${subnet}.0/24: bridge br0 in namespace ${net.lan.switchNamespace}; nothing added to this machine's network`,
  );
  const rows = hosts.map((h) => [h.name, h.namespace, h.address, String(h.port ?? '-'), h.dir ?? '(metadata server)']);
  const widths = [4, 2, 3, 4].map((w, c) => Math.max(w, ...rows.map((r) => r[c]!.length)));
  const pad = (r: string[]) => r.map((cell, c) => (c < 4 ? cell.padEnd(widths[c]!) : cell)).join('  ');
  console.log(pad(['name', 'namespace', 'address', 'port', 'folder']));
  for (const r of rows) console.log(pad(r));
  console.log(
    `send a peer a command: type "s3: TOPO" (or "all: TOPO"); "hosts" prints this table; Ctrl-C or quit ends`,
  );
  console.log(`a shell on a host: ip netns exec ${tag}-s1 bash   (mesh key: ${net.mesh.keyFile})`);
}
