#!/usr/bin/env node
/**
 * `peer NAME [--server HOST:PORT] [--host ADDR] [--dir DIR] [--headless]` (docs/CONTRACT.md "Commands"). The composition root
 * of the peer process: builds the core, then attaches one front-end, the dashboard when stdout is a terminal, or
 * headless JSON mode otherwise. The core itself never imports a front-end.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeError, isClosedOutput, P2pError } from '../common/errors.js';
import { parseHostPort } from '../common/host-port.js';
import { discoveryPortOf, DISCOVERY_PORT, DISCOVERY_PORT_ENV } from '../common/discovery-socket.js';
import { parseByteRate } from '../common/byte-rate.js';
import { mirrorLimitsFromEnv } from './mirror/mirror-limits.js';
import { defaultKeyFile, loadMeshKey, MESH_KEY_ENV, MeshKeyError } from '../common/mesh-key.js';
import { keyedMesh, OPEN_MESH, type MeshMode } from '../common/mesh-tls.js';
import { canonicalName } from '../common/peer-name.js';
import { releaseVanishedTerminal } from '../common/vanished-terminal.js';
import { runHeadless } from './control/headless.js';
import { lockFolder } from './files/folder-lock.js';
import { PeerFolders } from './files/peer-folders.js';
import { Peer } from './peer.js';

const USAGE = `usage: peer NAME [--server HOST:PORT] [--host ADDR] [--dir DIR] [--downloads DIR] [--headless]
                [--verbose] [--exit-when-done] [--hops N] [--query-timeout MS] [--key-file FILE | --open]
                [--trusted-only] [--backup] [--mirror] [--max-up RATE] [--max-down RATE] [--discovery-port N]

  NAME                 1–32 letters, digits, - or _ (case-insensitive), e.g. s1
  --server HOST:PORT   metadata server. Without it: 127.0.0.1:7000, and at the same time the server's announcements
                       on the LAN of --host (a peer on another machine passes only --host, its LAN address)
  --discovery-port N   UDP port of those announcements (default ${DISCOVERY_PORT}, or $${DISCOVERY_PORT_ENV})
  --host ADDR          address to bind and advertise (default 127.0.0.1; on a LAN, this machine's LAN address)
  --dir DIR            the peer's folder: shared/, Downloads/ (default peers/NAME)
  --downloads DIR      put downloads in DIR instead of the folder's Downloads/ (created if missing; served too)
  --headless           commands on stdin, one JSON event per line on stdout (also when stdout is not a terminal)
  --verbose            headless: also print progress and statistics events
  --exit-when-done     headless: once stdin ends, leave when every command read has finished
  --key-file FILE      the mesh key (default: $MESHSHARE_KEY_FILE, else .meshshare/mesh.key here; the metadata
                       server creates it: start it from this folder, or copy its mesh.key to this machine)
  --open               no mesh key: plain TCP, for a mesh whose every process runs --open
  --trusted-only       accept only content on the metadata server's trusted-file list (see: trusted)
  --backup             a backup peer: keep a verified copy of every file shared in the mesh, and serve them all
  --mirror             a mirror peer: keep Mirror/OWNER/, a receive-only copy of every other member's shared/
  --max-up RATE        cap what this peer sends, all transfers together: 500KB/s, 20MB/s, 2MiB/s, 100Mbit/s
                       (KB, MB, GB: 1000 bytes; KiB, MiB, GiB: 1024; kbit, Mbit, Gbit: 1000 bits; /s optional)
  --max-down RATE      cap what this peer receives, all transfers together (the same units)
  --hops N             hop limit of searches (default: the hops the metadata server says reach every peer, plus 1;
                       7 until it says)
  --query-timeout MS   how long a search waits for a holder (default 3000)
  -h, --help           this text;  -v, --version   the version

Commands once running: a file name, FILE from PEER, FILE sha256 PREFIX, secure-get FILE from PEER, trusted,
cancel FILE [--discard], partials, limit up|down RATE, limit off, mirror, TOPO, trace FILE, list, find PATTERN, files, where FILE, Stop, Stop all, help.`;

/** One sentence for what node:util's parseArgs refused, instead of its own long message. */
function argumentProblem(err: unknown): string {
  const message = describeError(err);
  const option = /option '([^' ]+)/i.exec(message)?.[1];
  if (/unknown option/i.test(message) && option) return `unknown option ${option}; peer --help lists the options`;
  if (/argument missing/i.test(message) && option) return `${option} needs a value; peer --help lists the options`;
  return `${message.split('\n')[0]}; peer --help lists the options`;
}

/** Output errors of a terminal (or pipe) that went away; anything else is a real failure. */
function ignoreClosedTerminal(err: NodeJS.ErrnoException): void {
  if (isClosedOutput(err)) return;
  throw err;
}

/** Dialled when no `--server` is given (docs/CONTRACT.md "Commands"), while discovery looks elsewhere. */
const DEFAULT_SERVER = '127.0.0.1:7000';
/** `--max-up RATE`: the rate, or a refusal that names the option. */
function rateOption(text: string, flag: string): number {
  try {
    return parseByteRate(text);
  } catch (err) {
    throw new P2pError('P2P_ERR_BAD_ARGS', `--${flag}: ${describeError(err)}`);
  }
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function fail(message: string): never {
  process.stderr.write(`peer: ${message}\n`);
  process.exit(2);
}

/**
 * The mesh key, from `--key-file`, else $MESHSHARE_KEY_FILE, else .meshshare/mesh.key in the current directory; or
 * none with `--open` (docs/CONTRACT.md "The trusted mesh"). A peer never creates a key: the metadata server owns it.
 */
function meshMode(open: boolean, keyFileOption: string | undefined): { mesh: MeshMode; keyFile?: string } {
  if (open && keyFileOption !== undefined) fail('--open and --key-file exclude each other: an open mesh has no key');
  if (open) return { mesh: OPEN_MESH };
  const fromEnv = process.env[MESH_KEY_ENV] || undefined;
  const keyFile = keyFileOption ?? fromEnv ?? defaultKeyFile();
  try {
    return { mesh: keyedMesh(loadMeshKey(keyFile)), keyFile };
  } catch (err) {
    if (!(err instanceof MeshKeyError) || err.problem !== 'missing') fail(describeError(err));
    const why =
      keyFileOption !== undefined ? 'given by --key-file' : fromEnv ? `named by ${MESH_KEY_ENV}` : 'the default';
    fail(
      `no mesh key at ${keyFile} (${why}): start the metadata server from this folder (it creates .meshshare/mesh.key), ` +
        `copy its mesh.key here or pass --key-file FILE, or run every process with --open`,
    );
  }
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        server: { type: 'string' },
        'discovery-port': { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        dir: { type: 'string' },
        downloads: { type: 'string' },
        headless: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        'exit-when-done': { type: 'boolean', default: false },
        hops: { type: 'string' },
        'query-timeout': { type: 'string', default: '3000' },
        'key-file': { type: 'string' },
        open: { type: 'boolean', default: false },
        'trusted-only': { type: 'boolean', default: false },
        backup: { type: 'boolean', default: false },
        mirror: { type: 'boolean', default: false },
        'max-up': { type: 'string' },
        'max-down': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (err) {
    fail(argumentProblem(err));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (values.version) {
    process.stdout.write(version() + '\n');
    return;
  }
  if (positionals.length !== 1) fail(`give exactly one peer name, for example: peer s1\n${USAGE}`);
  const hops = values.hops === undefined ? undefined : Number(values.hops);
  const queryTimeout = Number(values['query-timeout']);
  if (hops !== undefined && (!Number.isInteger(hops) || hops < 1 || hops > 32))
    fail('--hops must be a whole number from 1 to 32');
  if (!Number.isInteger(queryTimeout) || queryTimeout < 100)
    fail('--query-timeout must be a whole number of milliseconds, at least 100');
  let name: string;
  let server;
  let discover: { port: number } | undefined;
  const limits: { up?: number; down?: number } = {};
  try {
    name = canonicalName(positionals[0]!);
    server = parseHostPort(values.server ?? DEFAULT_SERVER, '--server');
    // docs/CONTRACT.md "Mirror, discovery and bandwidth": --server always wins; without it, discovery too.
    const port = discoveryPortOf(values['discovery-port']);
    if (values.server === undefined) discover = { port };
    for (const [flag, key] of [
      ['max-up', 'up'],
      ['max-down', 'down'],
    ] as const)
      if (values[flag] !== undefined) limits[key] = rateOption(values[flag], flag);
  } catch (err) {
    fail(err instanceof P2pError ? err.message : describeError(err));
  }

  const { mesh, keyFile } = meshMode(values.open!, values['key-file']);

  const dir = values.dir ?? join('peers', name);
  let folders: PeerFolders;
  try {
    folders = new PeerFolders(dir, values.downloads).ensure();
    lockFolder(folders.state, folders.root);
  } catch (err) {
    fail(describeError(err));
  }
  const peer = new Peer({
    name,
    dir,
    ...(values.downloads === undefined ? {} : { downloadsDir: values.downloads }),
    server,
    ...(discover ? { serverLink: { discover: { ...discover, mesh } } } : {}),
    mesh,
    ...(keyFile === undefined ? {} : { keyFile }),
    host: values.host!,
    ...(hops === undefined ? {} : { hopLimit: hops }),
    downloads: { queryTimeoutMs: queryTimeout },
    trustedOnly: values['trusted-only']!,
    backup: values.backup!,
    mirror: values.mirror!,
    mirrorKeeper: mirrorLimitsFromEnv(process.env),
    limits,
  });

  let headless = values.headless || !process.stdout.isTTY;
  let detach: () => void = () => undefined;
  if (!headless) {
    // Loaded only for a terminal: headless peers never load blessed.
    const { runDashboard } = await import('../tui/dashboard.js');
    try {
      const dashboard = runDashboard(peer, {
        logFile: join(peer.folders.state, 'peer.log'),
        serverAddress: values.server ?? DEFAULT_SERVER,
        version: version(),
      });
      detach = () => dashboard.destroy();
    } catch (err) {
      process.stderr.write(`peer: the dashboard cannot start here (${describeError(err)}); running headless\n`);
      headless = true;
    }
  }
  if (headless) detach = runHeadless(peer, { verbose: values.verbose!, exitWhenDone: values['exit-when-done']! });

  // A refusal must still be readable once the dashboard has given the terminal back (headless mode has already
  // written it to stderr).
  let lastError = '';
  peer.subscribe((event) => {
    if (event.event === 'error') lastError = event.message;
    if (event.event !== 'stopped') return;
    // A terminal that was closed (whichever signal then came: SIGHUP, or SIGTERM from the demo) has nothing left to
    // restore, and touching it can crash the process. A live one (`kill -HUP` from elsewhere) gets its screen back.
    if (!releaseVanishedTerminal()) detach();
    if (headless || peer.exitCode === 0) process.exit(peer.exitCode);
    // The dashboard's last writes (leaving the alternate screen) may still be queued on stdout: the sentence goes
    // to stderr only once they are out, or it would land on the screen being left.
    const exitCode = peer.exitCode;
    process.stdout.write('', () =>
      process.stderr.write(`peer: ${lastError || event.reason}\n`, () => process.exit(exitCode)),
    );
  });
  // docs/CONTRACT.md "Commands": SIGINT and SIGTERM leave gracefully, like Stop.
  // A second Ctrl-C forces: no more waiting for a handoff of this peer's files.
  let interrupts = 0;
  process.on('SIGINT', () =>
    ++interrupts === 1
      ? void peer.stop('interrupted (SIGINT)')
      : void peer.stop('interrupted again (SIGINT): leaving without handing files off', undefined, false),
  );
  process.on('SIGTERM', () => void peer.stop('terminated (SIGTERM)'));
  // The terminal was closed: leave gracefully all the same. Writes to the vanished terminal fail from now on (EIO,
  // EPIPE); they must not turn the leave into a crash.
  process.on('SIGHUP', () => {
    void peer.stop('the terminal was closed (SIGHUP)', undefined, false);
  });
  for (const stream of [process.stdout, process.stderr]) stream.on('error', ignoreClosedTerminal);
  peer.start();
}

main().catch((err) => {
  process.stderr.write(`peer: unexpected failure: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
