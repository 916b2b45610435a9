// Loaded (node --import) into the unit tier: a unit test may not open a socket, start a process or a thread
// ("no sockets, processes or threads": docs/ARCHITECTURE.md "Tests in tiers"). Each such call throws, so a
// misfiled test fails loudly instead of making the unit tier slow or flaky.
import childProcess from 'node:child_process';
import dgram from 'node:dgram';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import workerThreads from 'node:worker_threads';

const refuse = (what) => () => {
  throw new Error(`unit tier: ${what} is not allowed here; name the test file *.io.test.ts or *.e2e.test.ts`);
};
net.Socket.prototype.connect = refuse('a socket connection');
net.Server.prototype.listen = refuse('a listening socket');
for (const fn of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'])
  childProcess[fn] = refuse(`child_process.${fn}`);
dgram.createSocket = refuse('a UDP socket');
workerThreads.Worker = class {
  constructor() {
    refuse('a worker thread')();
  }
};
syncBuiltinESMExports();
