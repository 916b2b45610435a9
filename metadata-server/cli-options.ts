import { parseArgs } from 'node:util';
import { DISCOVERY_PORT, DISCOVERY_PORT_ENV, discoveryPortOf } from '../common/discovery-socket.js';
import { P2pError } from '../common/errors.js';
import { DEFAULT_STATE_DIR, defaultKeyFile } from '../common/mesh-key.js';
import {
  DEFAULT_HEARTBEAT_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_MAX_PEERS,
  DEFAULT_PORT,
  type MetadataServerOptions,
} from './metadata-server.js';
import { TOPOLOGIES, type Topology } from './referral-policy.js';
import { MAX_SLOTS } from './shared-registry.js';

/** What the command line asks for. */
export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'run';
      options: Omit<MetadataServerOptions, 'mesh'>;
      keyFile: string | undefined;
      stateDir: string;
      /** `--trust`: the names to trust from now on (replacing those remembered); absent: keep them. */
      trust?: string[];
      /** Announce on the LAN (metadata-server/announcer.ts) unless `--no-announce`, on this UDP port. */
      announce: boolean;
      discoveryPort: number;
    }
  /** `metadata-server forget NAME [--state DIR]`: free a remembered name (docs/SECURITY.md "Identities"). */
  | { kind: 'forget'; name: string; stateDir: string };

/** Most worker threads accepted: far beyond any machine's cores, low enough to catch a typo. */
const MAX_WORKERS = 256;

export const HELP = `usage: metadata-server [options]
       metadata-server forget NAME [--state DIR]

Starts the metadata server of a meshshare LAN: peers join through it, get their listening port and the peers
to dial, and report heartbeats so the mesh can be repaired when a peer leaves.

Options:
  --host ADDR              address to bind and advertise (default ${DEFAULT_HOST})
  --port N                 port to listen on, 0 for any free port (default ${DEFAULT_PORT})
  --max-peers N            most peers in the mesh at once, 1-${MAX_SLOTS} (default ${DEFAULT_MAX_PEERS})
  --workers N              registry worker threads (default: the number of CPUs)
  --peer-ports A-B         listening ports handed to peers (default: the 1000 ports above --port)
  --topology mesh|line     referral policy: a shallow mesh, or a chain for multi-hop demos (default mesh)
  --heartbeat-timeout MS   drop a peer silent for this long (default ${DEFAULT_HEARTBEAT_TIMEOUT_MS})
  --state DIR              the server's state folder (default ${DEFAULT_STATE_DIR}/ in the current directory): its
                           identity key (server.key) and the names it remembers, bound to peer ids (names.json)
  --key-file FILE          the mesh key (default mesh.key in the state folder; created, readable by its owner
                           only, when missing). Peers started from this folder find it; copy it to other machines
  --open                   no mesh key: an open mesh on plain TCP (every peer then runs --open too)
  --trust NAME[,NAME...]   trust these peers: every file they share becomes a trusted file. Remembered in the
                           state folder; --trust again replaces the list, --trust "" empties it
  --no-announce            do not announce this server on the LAN (peers then need --server). By default it
                           announces its address, signed, on the interface of --host only (127.0.0.1: this
                           machine only), so peers started without --server find it
  --discovery-port N       UDP port of the announcements (default ${DISCOVERY_PORT}, or $${DISCOVERY_PORT_ENV})

  forget NAME              free a remembered name, so that a peer with another identity may take it (the
                           server need not be stopped)
  -h, --help               show this help
  -v, --version            show the version
`;

/**
 * Parses the metadata server's arguments (docs/CONTRACT.md "Commands"). Throws P2P_ERR_BAD_ARGS with one sentence saying what
 * to do; the CLI prints it and exits 2.
 */
export function parseCliOptions(argv: string[]): CliCommand {
  if (argv[0] === 'forget') return parseForget(argv.slice(1));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'max-peers': { type: 'string' },
        workers: { type: 'string' },
        'peer-ports': { type: 'string' },
        topology: { type: 'string' },
        'heartbeat-timeout': { type: 'string' },
        state: { type: 'string' },
        'key-file': { type: 'string' },
        open: { type: 'boolean' },
        trust: { type: 'string' },
        'no-announce': { type: 'boolean' },
        'discovery-port': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }));
  } catch (err) {
    throw badArgs(explainParseError(err));
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const options: Omit<MetadataServerOptions, 'mesh'> = {};
  if (values.host !== undefined) {
    const host = String(values.host);
    if (!/^[A-Za-z0-9._:%-]+$/.test(host))
      throw badArgs(`--host "${host}" is not an address: pass an IP address or host name, for example 127.0.0.1`);
    options.host = host;
  }
  if (values.port !== undefined) options.port = integer('--port', values.port, 0, 65535, ' (0 picks a free port)');
  const maxPeers =
    values['max-peers'] === undefined ? DEFAULT_MAX_PEERS : integer('--max-peers', values['max-peers'], 1, MAX_SLOTS);
  if (values['max-peers'] !== undefined) options.maxPeers = maxPeers;
  if (values.workers !== undefined) options.workers = integer('--workers', values.workers, 1, MAX_WORKERS);
  if (values['peer-ports'] !== undefined) {
    const text = String(values['peer-ports']);
    const m = /^(\d{1,5})-(\d{1,5})$/.exec(text);
    const low = Number(m?.[1]);
    const high = Number(m?.[2]);
    if (!m || low < 1 || high > 65535 || low > high) {
      throw badArgs(`--peer-ports "${text}" must be a range of ports like 7001-8000, within 1-65535`);
    }
    if (high - low + 1 < maxPeers) {
      throw badArgs(
        `--peer-ports ${text} holds ${high - low + 1} ports but --max-peers is ${maxPeers}: widen the range or lower --max-peers`,
      );
    }
    options.peerPorts = { low, high };
  }
  if (values.topology !== undefined) {
    const topology = String(values.topology);
    if (!(TOPOLOGIES as readonly string[]).includes(topology)) {
      throw badArgs(`--topology "${topology}" is not known: use ${TOPOLOGIES.join(' or ')}`);
    }
    options.topology = topology as Topology;
  }
  if (values['heartbeat-timeout'] !== undefined) {
    options.heartbeatTimeoutMs = integer(
      '--heartbeat-timeout',
      values['heartbeat-timeout'],
      50,
      3_600_000,
      ' milliseconds',
    );
  }
  if (values.open && values['key-file'] !== undefined) {
    throw badArgs('--open excludes --key-file: an open mesh has no key');
  }
  const stateDir = values.state === undefined ? DEFAULT_STATE_DIR : String(values.state);
  const keyFile = values.open
    ? undefined
    : values['key-file'] !== undefined
      ? String(values['key-file'])
      : defaultKeyFile(stateDir);
  const trust = values.trust === undefined ? undefined : parseTrust(String(values.trust));
  const port = values['discovery-port'];
  const discoveryPort = discoveryPortOf(port === undefined ? undefined : String(port));
  const announce = !values['no-announce'];
  return { kind: 'run', options, keyFile, stateDir, ...(trust ? { trust } : {}), announce, discoveryPort };
}

/** `--trust a,b`: peer names, comma-separated; empty trusts nobody. */
function parseTrust(text: string): string[] {
  if (text.trim() === '') return [];
  const names = text.split(',').map((n) => n.trim());
  for (const name of names) {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(name))
      throw badArgs(
        `--trust "${text.slice(0, 80)}": "${name.slice(0, 40)}" is not a peer name (for example --trust s1,s2)`,
      );
  }
  return [...new Set(names.map((n) => n.toLowerCase()))];
}

function parseForget(argv: string[]): CliCommand {
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { state: { type: 'string' } } });
  } catch (err) {
    throw badArgs(explainParseError(err));
  }
  const [name, ...extra] = parsed.positionals;
  if (name === undefined || extra.length > 0)
    throw badArgs('forget takes one peer name, for example: metadata-server forget s3 --state .meshshare');
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(name))
    throw badArgs(`"${name.slice(0, 40)}" is not a peer name: use 1-32 letters, digits, "-" or "_"`);
  const stateDir = parsed.values.state === undefined ? DEFAULT_STATE_DIR : String(parsed.values.state);
  return { kind: 'forget', name: name.toLowerCase(), stateDir };
}

function integer(flag: string, value: string | boolean, min: number, max: number, note = ''): number {
  const text = String(value);
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw badArgs(`${flag} must be a whole number from ${min} to ${max}${note}, not "${text}"`);
  }
  return n;
}

function badArgs(sentence: string): P2pError {
  return new P2pError('P2P_ERR_BAD_ARGS', sentence);
}

/** Turns node:util parseArgs errors into one sentence that says what to do. */
function explainParseError(err: unknown): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
  const flag = /--[\w-]+/.exec(quoted)?.[0] ?? quoted;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${flag}: run metadata-server --help to see the options`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take/.test(message)
        ? `option ${flag} takes no value: run metadata-server --help to see the options`
        : `option ${flag} needs a value: run metadata-server --help to see the options`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted}": metadata-server takes only options, run metadata-server --help to see them`;
    default:
      return `${message}: run metadata-server --help to see the options`;
  }
}
