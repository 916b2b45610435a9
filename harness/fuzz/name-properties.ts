/**
 * Properties of file names and command lines (peer/files/file-name.ts, peer/control/command-parser.ts): no name the
 * checker accepts can leave the folder it is joined to, in any script, normalization or length; matching ignores
 * NFC/NFD; the parser never throws and never hands on a file name the checker refuses.
 */
import { basename, dirname, posix, resolve } from 'node:path';
import fc from 'fast-check';
import { parseCommand } from '../../peer/control/command-parser.js';
import { fileNameProblem, sameName, stemOf, unusedName } from '../../peer/files/file-name.js';
import { pathProblem } from '../../peer/files/relative-path.js';
import type { FuzzProperty } from './fuzz-runner.js';
import { anyCharArb } from './wire-arbitraries.js';

const BASE = '/srv/meshshare/shared';

/** Names built from the characters and pieces that make paths dangerous, in any script. */
const trickyPart = fc.oneof(
  anyCharArb,
  fc.constantFrom(
    '..',
    '.',
    '/',
    '\\',
    '../',
    '..\\',
    '%2e%2e',
    '%2f',
    '\u2215',
    '\u2044',
    '\uff0f',
    '\u00a0',
    ' ',
    '\t',
  ),
  fc.constantFrom('~', '$HOME', 'C:', 'CON', 'a.txt', 'café', 'cafe\u0301', 'файл', '文件', '📁', 'ﬁ'),
);
export const trickyNameArb = fc.oneof(
  fc.string({ unit: trickyPart, maxLength: 12 }),
  fc.string({ unit: trickyPart, minLength: 60, maxLength: 140 }),
  fc.string({ unit: fc.constantFrom('a', 'é', '文', '😀'), minLength: 60, maxLength: 260 }),
);

const KEYWORDS = [
  'topo',
  'stop',
  'help',
  '?',
  'list',
  'files',
  'seeding',
  'partials',
  'find',
  'where',
  'address-book',
  'cancel',
  'all',
  '--discard',
];
const lineArb = fc.oneof(
  trickyNameArb,
  fc
    .array(
      fc.oneof(
        fc.tuple(fc.constantFrom(...KEYWORDS), fc.boolean()).map(([k, upper]) => (upper ? k.toUpperCase() : k)),
        trickyNameArb,
      ),
      { maxLength: 4 },
    )
    .chain((words) => fc.constantFrom(' ', '  ', '\t', '\u3000').map((sep) => words.join(sep))),
);

export const nameProperties: FuzzProperty[] = [
  {
    name: 'file names: an accepted name joined to a folder stays in it, one level down, under its own name',
    runs: 3000,
    property: () =>
      fc.property(trickyNameArb, (name) => {
        if (fileNameProblem(name) !== undefined) return true;
        const full = resolve(BASE, name);
        const joined = posix.join(BASE, name);
        return (
          dirname(full) === BASE &&
          basename(full) === name &&
          joined === full &&
          !name.includes('\u0000') &&
          !name.startsWith('.') &&
          Buffer.byteLength(name) <= 255
        );
      }),
  },
  {
    name: 'file names: NFC and NFD forms are the same name; sameName is symmetric',
    runs: 1500,
    property: () =>
      fc.property(trickyNameArb, trickyNameArb, (a, b) => {
        const nfc = a.normalize('NFC');
        const nfd = a.normalize('NFD');
        return (
          sameName(nfc, nfd) &&
          sameName(a, a) &&
          sameName(a, b) === sameName(b, a) &&
          sameName(a, b) === (a.normalize('NFC') === b.normalize('NFC'))
        );
      }),
  },
  {
    name: 'file names: the stem is a non-empty prefix without the extension',
    runs: 1500,
    property: () =>
      fc.property(trickyNameArb, (name) => {
        const stem = stemOf(name);
        if (!name.startsWith(stem)) return false;
        if (fileNameProblem(name) === undefined && stem.length === 0) return false;
        const rest = name.slice(stem.length);
        return rest === '' || (rest.startsWith('.') && stem.length > 0);
      }),
  },
  {
    name: 'file names: a free name found beside taken ones is itself an acceptable name',
    runs: 1000,
    property: () =>
      fc.property(trickyNameArb, fc.integer({ min: 0, max: 12 }), (name, taken) => {
        if (fileNameProblem(name) !== undefined) return true;
        const seen: string[] = [];
        const free = unusedName(name, (c) => (seen.push(c), seen.length <= taken));
        return fileNameProblem(free) === undefined;
      }),
  },
  {
    name: 'commands: any line parses without throwing, and every file it names is an acceptable path',
    runs: 3000,
    property: () =>
      fc.property(lineArb, (line) => {
        const c = parseCommand(line);
        if (c.kind === 'download' || c.kind === 'where' || c.kind === 'cancel')
          return pathProblem(c.file) === undefined;
        if (c.kind === 'find') return c.pattern.length > 0 && c.pattern === c.pattern.trim();
        if (c.kind === 'invalid') return typeof c.message === 'string' && c.message.length > 0;
        return true;
      }),
  },
  {
    name: 'commands: a plain acceptable name typed alone downloads that name',
    runs: 1500,
    property: () =>
      fc.property(trickyNameArb, (name) => {
        const words = name.trim().split(/\s+/);
        const first = words[0]!.toLowerCase();
        if (name !== name.trim() || pathProblem(name) !== undefined || KEYWORDS.includes(first)) return true;
        // `FILE from PEER` and `FILE sha256 PREFIX` choose a content (docs/CONTRACT.md "Choosing among contents").
        if (/\s(from|sha256)(\s+\S+)?$/i.test(name)) return true;
        const c = parseCommand(name);
        return c.kind === 'download' && c.file === name;
      }),
  },
];
