#!/usr/bin/env node
/**
 * The `metadata-server` command (package.json bin). Prints one line once listening, then one line per join, leave,
 * refusal or bad connection; exits 0 on SIGINT/SIGTERM/SIGHUP, 2 on bad arguments, 1 when it cannot start.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeError } from '../common/errors.js';
import { formatHostPort } from '../common/host-port.js';
import { defaultKeyFile, loadOrCreateMeshKey } from '../common/mesh-key.js';
import { keyedMesh, OPEN_MESH, type MeshMode } from '../common/mesh-tls.js';
import { SERVER_PID_FILE, writePidFile } from '../common/pid-file.js';
import { SigningKey } from '../common/signing-key.js';
import { releaseVanishedTerminal } from '../common/vanished-terminal.js';
import { HELP, parseCliOptions, type CliCommand } from './cli-options.js';
import { DEFAULT_HOST, DEFAULT_PORT, formatListeningLine, MetadataServer } from './metadata-server.js';
import { Announcer } from './announcer.js';
import { CustodyDesk } from './custody-desk.js';
import { NameBook } from './name-book.js';
import { TrustBook } from './trust-book.js';

/** The server's identity key's file in its state folder (docs/SECURITY.md "Identities"). */
const SERVER_KEY_FILE = 'server.key';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function fail(status: number, sentence: string): never {
  process.stderr.write(`metadata-server: ${sentence}\n`);
  process.exit(status);
}

function packageVersion(): string {
  // dist/metadata-server/main.js → the checkout's package.json.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** One sentence for the usual reasons a server cannot bind. */
function explainStartError(err: unknown, host: string, port: number): string {
  const code = (err as { code?: string }).code;
  const address = formatHostPort({ host, port });
  if (code === 'EADDRINUSE') return `${address} is already in use: stop the program using it, or pass another --port`;
  if (code === 'EADDRNOTAVAIL')
    return `cannot listen on ${address}: ${host} is not an address of this machine, pass one of its addresses with --host`;
  if (code === 'EACCES')
    return `not allowed to listen on ${address}: use a port above 1023, or run with the needed privileges`;
  return `cannot start on ${address}: ${describeError(err)}`;
}

async function main(): Promise<void> {
  let command: CliCommand;
  try {
    command = parseCliOptions(process.argv.slice(2));
  } catch (err) {
    fail(2, describeError(err));
  }
  if (command.kind === 'help') return say(HELP.trimEnd());
  if (command.kind === 'version') return say(packageVersion());
  if (command.kind === 'forget') {
    try {
      const names = NameBook.inState(command.stateDir);
      const id = names.idOf(command.name);
      if (!names.forget(command.name)) return say(`${command.name} is not a remembered name in ${command.stateDir}/`);
      return say(`forgot ${command.name} (it was bound to id ${id}): the next peer to join as ${command.name} gets it`);
    } catch (err) {
      fail(1, describeError(err));
    }
  }

  // The log is a courtesy: a reader that goes away (closed pipe) must not take the server down with it.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  const options = command.options;
  let mesh: MeshMode = OPEN_MESH;
  if (command.keyFile !== undefined) {
    // docs/CONTRACT.md "The trusted mesh": the server owns the key, and creates it when missing, saying where.
    try {
      const { key, created } = loadOrCreateMeshKey(command.keyFile);
      mesh = keyedMesh(key);
      // Peers find the key by themselves only at the default place, from the same folder.
      const found =
        resolve(command.keyFile) === resolve(defaultKeyFile())
          ? "peers started from this folder use it; copy it to other machines' .meshshare/"
          : `peers use it with --key-file ${command.keyFile} (or MESHSHARE_KEY_FILE)`;
      say(
        created
          ? `created a new mesh key in ${command.keyFile} (readable by you only): ${found}`
          : `using the mesh key in ${command.keyFile}: ${found}`,
      );
    } catch (err) {
      fail(2, describeError(err));
    }
  }
  // docs/SECURITY.md "Identities": the server's own key, and the names it binds to peers' ids, outlive a restart.
  let identity: SigningKey;
  let names: NameBook;
  let trust: TrustBook;
  let custody: CustodyDesk;
  try {
    identity = SigningKey.loadOrCreate(join(command.stateDir, SERVER_KEY_FILE)).key;
    names = NameBook.inState(command.stateDir);
    trust = TrustBook.inState(command.stateDir);
    custody = CustodyDesk.inState(command.stateDir);
    if (command.trust) trust.setTrusted(command.trust);
  } catch (err) {
    fail(2, describeError(err));
  }
  if (trust.trusted().length) say(`trusted peers: ${trust.trusted().join(', ')}`);
  // Tells `npm run unclutter` that this state folder is in use (removed on exit). A courtesy: never a reason to fail.
  try {
    writePidFile(join(command.stateDir, SERVER_PID_FILE));
  } catch {
    /* a read-only state folder still serves */
  }
  const server = new MetadataServer({ ...options, mesh, identity, names, trust, custody, log: say });
  let announcer: Announcer | undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping`);
    announcer?.stop();
    server.stop().then(
      () => {
        releaseVanishedTerminal();
        process.exit(0);
      },
      (err) => fail(1, `could not stop cleanly: ${describeError(err)}`),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // Its terminal was closed: stop the same way (peers are told), rather than die without a word.
  process.on('SIGHUP', () => shutdown('SIGHUP'));
  try {
    const listening = await server.start();
    say(formatListeningLine(listening));
    // docs/CONTRACT.md "Mirror, discovery and bandwidth": peers without --server find it by its announcements.
    const meshKey = mesh.keyed ? mesh.key : undefined;
    const { discoveryPort, announce } = command;
    if (!announce) say('not announcing on the LAN (--no-announce): peers need --server');
    else if (!stopping) announcer = new Announcer({ listening, identity, meshKey, discoveryPort, log: say });
    await announcer?.start();
  } catch (err) {
    if (stopping) return; // a signal arrived while starting: shutdown() exits 0
    await server.stop().catch(() => {});
    fail(1, explainStartError(err, options.host ?? DEFAULT_HOST, options.port ?? DEFAULT_PORT));
  }
}

await main();
