import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../common/errors.js';
import type { RegistryConfig, RegistryRequest } from './registry-protocol.js';
import { RegistryService } from './registry-service.js';
import { SharedRegistry } from './shared-registry.js';
import type { PoolReply, PoolTask } from './worker-pool.js';

/**
 * Entry point of one registry worker thread (started by WorkerPool from the compiled `registry-worker.js`). It
 * attaches to the shared registry and performs each request it is handed; the lock inside RegistryService is what
 * keeps workers from trampling each other.
 */
export interface RegistryWorkerData {
  buffer: SharedArrayBuffer;
  config: RegistryConfig;
}

const port = parentPort;
if (!port) throw new Error('registry-worker.js runs as a worker thread, started by the metadata server');
const data = workerData as RegistryWorkerData;
const service = new RegistryService(SharedRegistry.attach(data.buffer), data.config);

port.on('message', (task: PoolTask<RegistryRequest>) => {
  let reply: PoolReply<unknown>;
  try {
    reply = { id: task.id, ok: true, value: service.handle(task.payload) };
  } catch (err) {
    // A bug in one request must not take the thread down with other requests queued behind it.
    reply = { id: task.id, ok: false, error: describeError(err) };
  }
  port.postMessage(reply);
});
