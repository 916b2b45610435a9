/**
 * Properties of the small text parsers and formatters (common/peer-name.ts, common/host-port.ts,
 * common/byte-size.ts, the key file's common/mesh-key.ts): they refuse with the project's own error, and what they
 * accept round-trips.
 */
import fc from 'fast-check';
import { P2pError } from '../../common/errors.js';
import { formatByteSize } from '../../common/byte-size.js';
import { formatHostPort, parseHostPort, type HostPort } from '../../common/host-port.js';
import { formatMeshKey, MeshKeyError, parseMeshKey } from '../../common/mesh-key.js';
import { canonicalName } from '../../common/peer-name.js';
import { thrown, type FuzzProperty } from './fuzz-runner.js';
import { anyCharArb, hostArb, nameArb, portArb } from './wire-arbitraries.js';

const textArb = fc.oneof(
  fc.string({ unit: anyCharArb, maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('a', '1', ':', '[', ']', '.', '-', '_', ' ', '0', '9', '%', 'Z'), maxLength: 20 }),
);

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Key-file texts: real keys, keys with damage (spaces, case, lengths, line endings, BOM), and anything at all. */
const keyTextArb = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => formatMeshKey(Buffer.from(b))),
  fc
    .tuple(
      fc.uint8Array({ minLength: 30, maxLength: 34 }),
      fc.constantFrom('', '\n', '\r\n', '\n\n', ' ', '\t', '\r'),
      fc.constantFrom('', ' ', '\ufeff', '0x'),
      fc.boolean(),
    )
    .map(([b, end, start, upper]) => {
      const hex = Buffer.from(b).toString('hex');
      return start + (upper ? hex.toUpperCase() : hex) + end;
    }),
  fc.string({ unit: anyCharArb, maxLength: 80 }),
);

export const textProperties: FuzzProperty[] = [
  {
    name: 'key files: exactly 64 hex characters and at most one line ending give a 32-byte key, anything else a MeshKeyError',
    runs: 2000,
    property: () =>
      fc.property(keyTextArb, (text) => {
        let key: Buffer | undefined;
        const err = thrown(() => (key = parseMeshKey(text, 'the key file')));
        const valid = /^[0-9a-fA-F]{64}(?:\r?\n)?$/.test(text);
        if (!valid) return err instanceof MeshKeyError && err.message.includes('the key file');
        return (
          err === undefined &&
          key!.length === 32 &&
          parseMeshKey(formatMeshKey(key!)).equals(key!) &&
          key!.toString('hex') === text.slice(0, 64).toLowerCase()
        );
      }),
  },
  {
    name: 'peer names: accepted exactly when 1–32 letters, digits, - or _; canonical form is lower case and stable',
    runs: 2000,
    property: () =>
      fc.property(fc.oneof(nameArb, textArb), (name) => {
        let canonical: string | undefined;
        const err = thrown(() => (canonical = canonicalName(name)));
        const valid = /^[A-Za-z0-9_-]{1,32}$/.test(name);
        if (!valid) return err instanceof P2pError && err.code === 'P2P_ERR_BAD_NAME';
        return err === undefined && canonical === name.toLowerCase() && canonicalName(canonical) === canonical;
      }),
  },
  {
    name: 'host:port: refused with P2P_ERR_BAD_ARGS or a port 1–65535 that formats and parses back',
    runs: 2000,
    property: () =>
      fc.property(
        fc.oneof(
          textArb,
          fc.tuple(hostArb, portArb).map(([h, p]) => formatHostPort({ host: h, port: p })),
        ),
        (text) => {
          let hp: HostPort | undefined;
          const err = thrown(() => (hp = parseHostPort(text)));
          if (err !== undefined) return err instanceof P2pError && err.code === 'P2P_ERR_BAD_ARGS';
          const again = parseHostPort(formatHostPort(hp!));
          return (
            Number.isInteger(hp!.port) &&
            hp!.port >= 1 &&
            hp!.port <= 65535 &&
            again.host === hp!.host &&
            again.port === hp!.port
          );
        },
      ),
  },
  {
    name: 'host:port: every host and port the wire allows round-trips',
    runs: 1000,
    property: () =>
      fc.property(hostArb, portArb, (host, port) => {
        const hp = parseHostPort(formatHostPort({ host, port }));
        return hp.host === host && hp.port === port;
      }),
  },
  {
    name: 'byte sizes: any size formats without throwing, to within rounding, at most 1024 of its unit',
    runs: 2000,
    property: () =>
      fc.property(
        fc.oneof(
          fc.maxSafeNat(),
          fc.nat(5000),
          fc.integer({ min: 0, max: 2 ** 50 }),
          fc.double({ max: Number.MAX_SAFE_INTEGER }),
          fc.constantFrom(NaN, Infinity, -Infinity, -0, 10239, 1048575, 1048064, 2 ** 40 - 1),
        ),
        (bytes) => {
          const text = formatByteSize(bytes);
          if (!Number.isFinite(bytes) || bytes < 0) return text === '?';
          const m = /^(\d+(?:\.\d)?) (B|KB|MB|GB|TB)$/.exec(text);
          if (!m) return false;
          const shown = Number(m[1]);
          const unit = 1024 ** UNITS.indexOf(m[2]!);
          const close = Math.abs(shown * unit - bytes) <= 0.5 * unit;
          // 1048575 bytes shows as `1024 KB` (rounding after choosing the unit), not `1.0 MB`.
          return close && (m[2] === 'TB' || shown <= 1024);
        },
      ),
  },
];
