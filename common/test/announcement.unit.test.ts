/** The discovery datagrams' codec and authentication (common/wire/announcement.ts), with fast-check cases. */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fuzzSeed } from '../../harness/fuzz/fuzz-runner.js';
import { generateMeshKey } from '../mesh-key.js';
import { SigningKey } from '../signing-key.js';
import {
  decodeDatagram,
  discoveryAuth,
  encodeAnnouncement,
  encodeQuery,
  MAX_DISCOVERY_DATAGRAM_BYTES,
  NO_ECHO,
  type DecodedDatagram,
} from '../wire/announcement.js';

const server = SigningKey.generate();
const meshKey = generateMeshKey();
const keyed = discoveryAuth(meshKey);
const open = discoveryAuth(undefined);
const seed = fuzzSeed();

function announcement(auth = keyed, identity = server, host = '10.213.5.1', port = 7000): Buffer {
  return encodeAnnouncement({ time: 1_700_000_000_000, nonce: randomBytes(16), host, port }, identity, auth);
}

function reason(d: DecodedDatagram): string {
  return d.ok ? 'accepted' : d.reason;
}

test('an announcement comes back field for field, keyed and open, whatever the address, port, time and nonces', () => {
  const ipv4 = fc
    .tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.nat(255))
    .map((p) => p.join('.'));
  const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b));
  fc.assert(
    fc.property(
      ipv4,
      fc.integer({ min: 1, max: 65535 }),
      fc.nat(Number.MAX_SAFE_INTEGER),
      bytes16,
      bytes16,
      fc.boolean(),
      (host, port, time, nonce, echo, withKey) => {
        const auth = withKey ? keyed : open;
        const decoded = decodeDatagram(encodeAnnouncement({ time, nonce, echo, host, port }, server, auth), auth);
        assert.ok(decoded.ok, reason(decoded));
        assert.equal(decoded.ok && decoded.datagram, {
          kind: 'announce',
          time,
          nonce,
          echo,
          host,
          port,
          serverKey: server.publicKey,
        });
      },
    ),
    { numRuns: 300, seed },
  );
});

test('a query comes back with its nonce; an answer without a query echoes zeros', () => {
  const nonce = randomBytes(16);
  for (const auth of [keyed, open]) {
    const decoded = decodeDatagram(encodeQuery(nonce, auth), auth);
    assert.equal(decoded.ok && decoded.datagram, { kind: 'query', nonce });
  }
  const periodic = decodeDatagram(announcement(), keyed);
  assert.ok(periodic.ok && periodic.datagram.kind === 'announce' && periodic.datagram.echo.equals(NO_ECHO));
});

test('a stranger without the mesh key cannot announce, nor ask the server to: wrong key, no key, another mode', () => {
  const stranger = discoveryAuth(generateMeshKey());
  assert.match(reason(decodeDatagram(announcement(stranger), keyed)), /wrong MAC/);
  assert.match(reason(decodeDatagram(encodeQuery(randomBytes(16), stranger), keyed)), /wrong MAC/);
  assert.match(reason(decodeDatagram(announcement(open), keyed)), /unauthenticated/);
  assert.match(reason(decodeDatagram(encodeQuery(randomBytes(16), open), keyed)), /unauthenticated/);
  assert.match(reason(decodeDatagram(announcement(keyed), open)), /keyed mesh.*--open/);
});

test('the MAC key is derived from the mesh key with its own label: it is not the mesh key itself', () => {
  assert.ok(keyed.keyed && !keyed.macKey.equals(meshKey) && keyed.macKey.length === 32);
  assert.ok(
    keyed.keyed && discoveryAuth(meshKey).keyed && keyed.macKey.equals((discoveryAuth(meshKey) as typeof keyed).macKey),
  );
});

test('every single flipped bit of a keyed or an open announcement is caught (MAC or signature)', () => {
  const datagrams = [announcement(keyed), announcement(open)];
  fc.assert(
    fc.property(fc.nat(1), fc.nat(MAX_DISCOVERY_DATAGRAM_BYTES * 8 - 1), (which, bit) => {
      const original = datagrams[which]!;
      const at = Math.floor(bit / 8) % original.length;
      const bent = Buffer.from(original);
      bent[at]! ^= 1 << (bit % 8);
      assert.not.ok(decodeDatagram(bent, which === 0 ? keyed : open).ok, `bit ${bit % 8} of byte ${at}`);
    }),
    { numRuns: 2000, seed },
  );
});

test('a member with the mesh key cannot sign for another server key: the signature names its signer', () => {
  const member = SigningKey.generate();
  const forged = Buffer.from(announcement(open, member));
  server.publicKey.copy(forged, 54); // claim the real server's key, keep the member's signature
  assert.match(reason(decodeDatagram(forged, open)), /bad signature/);
});

test('truncated, extended, oversized and random datagrams are dropped and never throw', () => {
  const whole = announcement();
  assert.match(reason(decodeDatagram(whole.subarray(0, whole.length - 1), keyed)), /bytes where this kind has/);
  assert.match(reason(decodeDatagram(Buffer.concat([whole, Buffer.alloc(1)]), keyed)), /no discovery datagram/);
  assert.match(reason(decodeDatagram(Buffer.alloc(65_000), keyed)), /no discovery datagram/);
  assert.match(reason(decodeDatagram(Buffer.alloc(0), keyed)), /no discovery datagram/);
  const withMagic = fc
    .uint8Array({ maxLength: 400 })
    .map((b) => Buffer.concat([Buffer.from([0x6d, 0x73, 0x64, 1]), b]));
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
        withMagic,
      ),
      fc.boolean(),
      (data, k) => {
        assert.not.ok(decodeDatagram(data, k ? keyed : open).ok);
      },
    ),
    { numRuns: 3000, seed },
  );
});

test('an announcement of a multicast, broadcast or zero address is dropped, even correctly signed', () => {
  for (const host of ['224.0.0.1', '255.255.255.255', '0.1.2.3']) {
    assert.match(
      reason(decodeDatagram(announcement(keyed, server, host), keyed)),
      /not an address a server listens on/,
    );
  }
  assert.throws(() => announcement(keyed, server, 'localhost'), /IPv4/);
});

test.run();
