#!/usr/bin/env node
/**
 * `npm start`: the whole product on one machine. A metadata server on a free port, peers s2–s5 in
 * the background sharing their demo files, then s1's dashboard in the foreground with a welcome line. Leaving s1
 * (Stop, q, Ctrl-C) stops the others and the server; so does a signal to this process. Everything lives in a fresh
 * temporary folder, removed at the end (`--keep` keeps it), so two demos on one machine never collide.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isClosedOutput } from '../common/errors.js';
import { releaseVanishedTerminal } from '../common/vanished-terminal.js';
import { writePidFile } from '../common/pid-file.js';
import {
  DEMO_FOLDER_PREFIX,
  DEMO_PEERS,
  DEMO_PID_FILE,
  prepareDemoFolders,
  SUGGESTED_FILES,
  WELCOME_TEXT,
} from './demo-fixtures.js';
import {
  choosePeerPorts,
  PEER_MAIN,
  programsBuilt,
  startHeadlessPeer,
  startServer,
  stopProcesses,
  type ManagedProcess,
} from './demo-processes.js';

const HELP = `usage: npm start [-- --keep] [--topology mesh|line]

Starts a metadata server, peers s2–s5 in the background and s1's dashboard here.
  --keep             keep the demo folder (peers' shared/ and Downloads/, logs) after the demo ends
  --topology T       the metadata server's referral policy: mesh (default) or line (a chain: multi-hop)`;

function say(line: string): void {
  try {
    process.stdout.write(`${line}\n`);
  } catch {
    // The terminal is gone (closed window): nobody is left to read it.
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      keep: { type: 'boolean', default: false },
      topology: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    say(HELP);
    return 0;
  }
  const topology =
    values.topology === 'line' ? 'line' : values.topology === undefined || values.topology === 'mesh' ? 'mesh' : null;
  if (topology === null) {
    process.stderr.write(`demo: --topology must be mesh or line\n${HELP}\n`);
    return 2;
  }
  if (!programsBuilt()) {
    process.stderr.write('demo: the programs are not built yet: run `npm run build` (or `npm install`) first\n');
    return 1;
  }

  const root = mkdtempSync(join(tmpdir(), DEMO_FOLDER_PREFIX));
  writePidFile(join(root, DEMO_PID_FILE));
  const background: ManagedProcess[] = [];
  let s1: ReturnType<typeof spawn> | null = null;
  let stopping: Promise<void> | null = null;
  /** Stops everything; the folder goes too unless --keep, or unless something failed (its logs explain what). */
  const teardown = (keep = values.keep) =>
    (stopping ??= (async () => {
      // Peers first, so that they leave through a live server; then the server.
      await stopProcesses(background.filter((p) => p.name !== 'metadata server'));
      await stopProcesses(background.filter((p) => p.name === 'metadata server'));
      if (!keep) rmSync(root, { recursive: true, force: true });
    })());

  // A signal to the demo (terminal closed, Ctrl-C before the dashboard is up, `kill`) ends everything: s1 is asked
  // to leave gracefully and the rest follows when it exits; before s1 exists, the background goes at once.
  let interrupted: NodeJS.Signals | null = null;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      interrupted ??= signal;
      // s1 shares the terminal: a hangup reaches it as itself (it may come before the kernel's own SIGHUP does).
      if (s1 && s1.exitCode === null) s1.kill(signal === 'SIGHUP' ? 'SIGHUP' : 'SIGTERM');
      else void teardown().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  // After the terminal closed (SIGHUP), writing to it fails: that must not stop the teardown half-way.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (!isClosedOutput(err)) throw err;
    });
  }
  // Last resort if the demo itself fails: no peer may outlive it.
  process.on('exit', () => {
    for (const p of background) if (p.running()) p.child.kill('SIGTERM');
    if (s1 && s1.exitCode === null) s1.kill('SIGTERM');
  });

  try {
    say(`meshshare demo: preparing the peers' files in ${root}`);
    const folders = prepareDemoFolders(root);
    const peerPorts = await choosePeerPorts();
    // Keyed like any mesh: the server creates the key in the demo's folder and every peer is given it.
    const keyFile = join(root, 'mesh.key');
    const server = await startServer({ logFile: join(root, 'metadata-server.log'), keyFile, peerPorts, topology });
    background.push(server.process);
    say(`metadata server listening on ${server.address} (peer ports ${peerPorts.low}-${peerPorts.high})`);
    for (const name of DEMO_PEERS.filter((n) => n !== 's1')) {
      if (interrupted) return 130;
      background.push(
        await startHeadlessPeer({
          name,
          server: server.address,
          dir: folders[name]!,
          logFile: join(root, `${name}.log`),
          keyFile,
        }),
      );
      say(`${name} joined (log: ${join(root, `${name}.log`)})`);
    }
    if (interrupted) return 130;
    say("starting s1's dashboard…");
    const s1Args = [PEER_MAIN, 's1', '--server', server.address, '--dir', folders['s1']!, '--key-file', keyFile];
    s1 = spawn(process.execPath, s1Args, {
      stdio: 'inherit',
      env: { ...process.env, P2P_WELCOME: WELCOME_TEXT, P2P_SUGGEST: SUGGESTED_FILES.join(',') },
    });
    const child = s1;
    const code = await new Promise<number>((resolve) => {
      child.once('error', (err) => {
        process.stderr.write(`demo: could not start s1: ${err.message}\n`);
        resolve(1);
      });
      child.once('exit', (status, signal) => resolve(status ?? (signal ? 128 : 1)));
    });
    say('s1 left: stopping s2–s5 and the metadata server…');
    // After a failure the folder stays: its logs say what went wrong. Not after the terminal was closed: nobody is
    // left to be told where they are.
    const keep = values.keep || (code !== 0 && interrupted !== 'SIGHUP');
    await teardown(keep);
    say(
      keep
        ? `demo over; its files are kept in ${root} (npm run unclutter removes them)`
        : 'demo over; nothing is left running.',
    );
    return code;
  } catch (err) {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
    await teardown(true);
    process.stderr.write(`demo: stopped everything; logs are in ${root} (npm run unclutter removes them)\n`);
    return 1;
  }
}

main().then(
  (code) => {
    releaseVanishedTerminal();
    process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`demo: unexpected failure: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
