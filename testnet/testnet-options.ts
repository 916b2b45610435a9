import { parseArgs } from 'node:util';
import { parseByteRate } from '../common/byte-rate.js';
import { P2pError } from '../common/errors.js';

/** What `npm run testnet -- …` asks for (testnet/README.md). */
export interface TestnetOptions {
  /** Peers s1..sN, one host each. Default 10. */
  peers: number;
  /** Each host's link, both ways, in Mbit/s (tc tbf); undefined: not shaped. */
  rateMbit: number | undefined;
  /** Added delay on each link end, in ms (tc netem); undefined: none. */
  delayMs: number | undefined;
  /** Loss on each link end, in percent (tc netem); undefined: none. */
  lossPct: number | undefined;
  /** The metadata server's `--max-peers`. Default max(10, peers). */
  maxPeers: number;
  /** Files to share (each regular file of the folder, dealt out to s2, s3, ...); undefined: the demo's files. */
  files: string | undefined;
  /** The /24's first three octets (`10.214.7`); undefined: a free one is chosen. */
  subnet: string | undefined;
  /** Lines `sN: COMMAND` run once every peer is ready. */
  commands: string[];
  /** Print every event of every peer, not only answers to commands. */
  verbose: boolean;
  help: boolean;
}

export const MAX_TESTNET_PEERS = 100;

export const TESTNET_HELP = `usage: npm run testnet -- [options]      (as root)

Starts a metadata server and N headless peers s1..sN, each on a host of its own: a network namespace, linked by a
bridge that lives in a namespace too. Nothing is added to this machine's own network (no interface, address or
route). Everything is removed on exit, Ctrl-C, SIGTERM, and even after kill -9 (a reaper process watches).

Options:
  --peers N         peers, 1-${MAX_TESTNET_PEERS} (default 10)
  --rate RATE       shape every host's link both ways with tc tbf, e.g. 100mbit, 1gbit, 20MB/s
  --delay MS        add MS ms of delay on every link (tc netem; refused when this kernel has no netem)
  --loss PCT        lose PCT percent of packets on every link (tc netem; refused likewise)
  --max-peers N     the metadata server's --max-peers (default max(10, N))
  --files DIR       share DIR's files, dealt out to s2, s3, ... (default: the demo's files from fixtures/)
  --subnet A.B.C    the /24 to use (default: a free 10.214.x); refused when it overlaps an address or route here
  --cmd "sN: CMD"   run CMD on peer sN once all are ready (repeatable); stdin takes the same lines
  --verbose         print every event of every peer (default: answers to commands, joins and leaves)
  -h, --help        show this help
`;

const badArgs = (message: string) => new P2pError('P2P_ERR_BAD_ARGS', message);

function wholeNumber(flag: string, text: string, low: number, high: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < low || n > high)
    throw badArgs(`${flag} "${text}" must be a whole number ${low}-${high}`);
  return n;
}

/** Parses the testnet's arguments; throws P2P_ERR_BAD_ARGS with one sentence (the tool prints it and exits 2). */
export function parseTestnetOptions(argv: string[]): TestnetOptions {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        peers: { type: 'string' },
        rate: { type: 'string' },
        delay: { type: 'string' },
        loss: { type: 'string' },
        'max-peers': { type: 'string' },
        files: { type: 'string' },
        subnet: { type: 'string' },
        cmd: { type: 'string', multiple: true },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw badArgs(`${(err as Error).message.split('\n')[0]}; see --help`);
  }
  const str = (k: string) => values[k] as string | undefined;
  const peers = str('peers') === undefined ? 10 : wholeNumber('--peers', str('peers')!, 1, MAX_TESTNET_PEERS);
  let rateMbit: number | undefined;
  if (str('rate') !== undefined) rateMbit = (parseByteRate(str('rate')!) * 8) / 1e6;
  const delayMs = str('delay') === undefined ? undefined : wholeNumber('--delay', str('delay')!, 0, 10_000);
  let lossPct: number | undefined;
  if (str('loss') !== undefined) {
    lossPct = Number(str('loss'));
    if (!/^\d+(\.\d+)?$/.test(str('loss')!) || lossPct > 100)
      throw badArgs(`--loss "${str('loss')}" must be a percentage 0-100`);
  }
  const maxPeers =
    str('max-peers') === undefined ? Math.max(10, peers) : wholeNumber('--max-peers', str('max-peers')!, 1, 256);
  const subnet = str('subnet');
  if (subnet !== undefined && !isSubnet(subnet))
    throw badArgs(`--subnet "${subnet}" must be the first three numbers of a /24, for example 10.214.7`);
  const commands = (values.cmd as string[] | undefined) ?? [];
  for (const c of commands)
    if (parseTargetedLine(c) === undefined) throw badArgs(`--cmd "${c}" must read "sN: COMMAND"`);
  return {
    peers,
    rateMbit,
    delayMs,
    lossPct,
    maxPeers,
    files: str('files'),
    subnet,
    commands,
    verbose: values.verbose === true,
    help: values.help === true,
  };
}

function isSubnet(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 3 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** `s3: TOPO` → { peer: 's3', command: 'TOPO' }; `all: TOPO` targets every peer; anything else: undefined. */
export function parseTargetedLine(line: string): { peer: string; command: string } | undefined {
  const m = /^\s*([A-Za-z0-9_-]{1,32})\s*:\s*(.+?)\s*$/.exec(line);
  return m ? { peer: m[1]!.toLowerCase(), command: m[2]! } : undefined;
}
