/**
 * The reaper (testnet/owner.ts `startReaper`): `node reaper.js OWNER_PID TAG ROOT`. Polls until process OWNER_PID is
 * gone, then removes the namespaces named `TAG-…` (ending what still runs in them: the owner's server and peers) and
 * the folder ROOT, and exits. After a clean exit of the owner there is nothing left to remove.
 */
import { rmSync } from 'node:fs';
import { removeNamespaces } from '../harness/lan-hosts.js';
import { isAlive, namespacesOf } from './owner.js';

/** How often the owner is looked for: removal starts at most this long after it died. */
const POLL_MS = 200;

const [ownerText, tag, root] = process.argv.slice(2);
const owner = Number(ownerText);
if (!Number.isInteger(owner) || owner <= 0 || !tag || !root) {
  console.error('usage: reaper.js OWNER_PID TAG ROOT');
  process.exit(2);
}

const timer = setInterval(() => {
  if (isAlive(owner)) return;
  clearInterval(timer);
  removeNamespaces(namespacesOf(tag));
  rmSync(root, { recursive: true, force: true });
}, POLL_MS);
