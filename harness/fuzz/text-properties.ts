/**
 * Properties of the small text parsers and formatters (common/peer-name.ts, common/host-port.ts,
 * common/byte-size.ts): they refuse with the project's own error, and what they accept round-trips.
 */
import fc from 'fast-check';
import { P2pError } from '../../common/errors.js';
import { formatByteSize } from '../../common/byte-size.js';
import { formatHostPort, parseHostPort, type HostPort } from '../../common/host-port.js';
import { canonicalName } from '../../common/peer-name.js';
import { thrown, type FuzzProperty } from './fuzz-runner.js';
import { anyCharArb, hostArb, nameArb, portArb } from './wire-arbitraries.js';

const textArb = fc.oneof(
  fc.string({ unit: anyCharArb, maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('a', '1', ':', '[', ']', '.', '-', '_', ' ', '0', '9', '%', 'Z'), maxLength: 20 }),
);

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

export const textProperties: FuzzProperty[] = [
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
