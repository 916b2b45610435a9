/**
 * Trusted peers and files between real processes (docs/SECURITY.md "Trusted peers and files"): the metadata server
 * trusts s1 (`--trust`), so s1's files are trusted files; every peer gets the signed list; `trusted` shows it,
 * `--trusted-only` refuses other content with `not trusted`, and `secure-get` takes only a trusted peer's trusted
 * content.
 */
import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerEvent } from '../control/peer-events.js';
import { Mesh, sha256, sha256File, type PeerProcess } from '../../harness/mesh.js';

type Trusted = Extract<PeerEvent, { event: 'trusted' }>;
const test = suite<{ mesh: Mesh; s1: PeerProcess; s3: PeerProcess; s4: PeerProcess; report: Buffer }>('trust');

const ends = (e: PeerEvent) =>
  e.event === 'download-complete' || e.event === 'download-failed' || e.event === 'not-found' || e.event === 'error';

test.before(async (ctx) => {
  ctx.mesh = new Mesh();
  ctx.report = randomBytes(300_000);
  ctx.mesh.seed('s1', { 'report.pdf': ctx.report });
  ctx.mesh.seed('s2', { 'notes.txt': 'not vouched for\n', 'copy.pdf': ctx.report });
  await ctx.mesh.startServer(['--trust', 's1']);
  ctx.s1 = await ctx.mesh.startPeer('s1');
  await ctx.mesh.startPeer('s2');
  ctx.s3 = await ctx.mesh.startPeer('s3', ['--trusted-only']);
  ctx.s4 = await ctx.mesh.startPeer('s4');
});

test.after(async ({ mesh }) => {
  await mesh.close();
});

/** `trusted` asked until the list shows s1's files (it follows s1's index by a moment). */
async function trustedList(peer: PeerProcess, files: number): Promise<Trusted> {
  for (const until = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 200))) {
    const answer = (await peer.ask('trusted', 'trusted')) as Trusted;
    if (answer.files.length >= files || Date.now() > until) return answer;
  }
}

test("every peer holds the signed list: s1 trusted with its id, s1's files trusted, nothing of s2", async ({
  s1,
  s4,
  report,
}) => {
  const list = await trustedList(s4, 1);
  const ready = s1.events.find((e) => e.event === 'ready');
  assert.is(list.verified, true);
  assert.equal(list.peers, [{ name: 's1', id: ready?.event === 'ready' ? ready.id : '?' }]);
  assert.equal(list.files, [{ name: 'report.pdf', size: report.length, sha256: sha256(report), publisher: 's1' }]);
});

test('--trusted-only: content off the list ends in download-failed "not trusted" and nothing is saved', async ({
  mesh,
  s3,
  report,
}) => {
  await trustedList(s3, 1);
  const refused = await s3.ask('notes.txt', ends, 15_000);
  assert.is(refused.event, 'download-failed', JSON.stringify(refused));
  if (refused.event === 'download-failed') assert.is(refused.reason, 'not trusted');
  assert.not.ok(existsSync(join(mesh.dirOf('s3'), 'Downloads', 'notes.txt')));
  // The same bytes as a trusted file, under another name and from an untrusted peer: the content is what counts.
  const copy = await s3.ask('copy.pdf', ends, 15_000);
  assert.is(copy.event, 'download-complete', JSON.stringify(copy));
  const ok = await s3.ask('report.pdf', ends, 15_000);
  assert.is(ok.event, 'download-complete', JSON.stringify(ok));
  assert.is(sha256File(join(mesh.dirOf('s3'), 'Downloads', 'report.pdf')), sha256(report));
});

test('secure-get: only from a trusted peer, only trusted content', async ({ mesh, s4, report }) => {
  const notTrusted = await s4.ask('secure-get notes.txt from s2', ends, 15_000);
  assert.is(notTrusted.event, 'download-failed');
  if (notTrusted.event === 'download-failed') assert.match(notTrusted.reason, /s2 is not a trusted peer/);
  const got = await s4.ask('secure-get report.pdf from S1', ends, 15_000);
  assert.is(got.event, 'download-complete', JSON.stringify(got));
  if (got.event === 'download-complete') assert.is(got.from, 's1');
  assert.is(sha256File(join(mesh.dirOf('s4'), 'Downloads', 'report.pdf')), sha256(report));
  const usage = await s4.ask('secure-get report.pdf', 'error');
  assert.ok(usage.event === 'error' && /secure-get needs a file and a trusted peer/.test(usage.message));
});

test('a file s1 starts sharing joins the list everywhere within seconds', async ({ mesh, s1, s3 }) => {
  const fresh = Buffer.from('published later\n');
  const path = join(mesh.dirOf('s1'), 'shared', 'later.txt');
  writeFileSync(path, fresh);
  const past = new Date(Date.now() - 60_000);
  utimesSync(path, past, past); // long in place: offered without waiting for it to settle
  const list = await trustedList(s3, 2);
  assert.ok(list.files.some((f) => f.name === 'later.txt' && f.sha256 === sha256(fresh) && f.publisher === 's1'));
  const got = await s3.ask('later.txt', ends, 15_000);
  assert.is(got.event, 'download-complete', JSON.stringify(got));
  assert.ok(readdirSync(join(mesh.dirOf('s3'), 'Downloads')).includes('later.txt'));
  assert.ok(s1.events.some((e) => e.event === 'ready'));
});

test.run();
