/** The bounds of a holder's offer (docs/SECURITY.md "Limits"): file and piece size, sources, the piece deadline. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Channel } from '../../common/channel.js';
import { peerMessages } from '../../common/wire/peer-messages.js';
import { duplexPair } from '../../common/test/duplex-pair.js';
import { cameFrom, readOffer } from '../transfer/ask-holder.js';
import { DownloadSource } from '../transfer/download-source.js';
import { madeUpOffer } from './made-up-offer.js';
import {
  MAX_OFFER_FILE_SIZE,
  MAX_OFFER_PIECE_SIZE,
  MAX_SOURCES_PER_DOWNLOAD,
  PIECE_FRAME_DEADLINE_MS,
  sourceLimitProblem,
} from '../transfer/offer-limits.js';

test('an offer up to 64 GiB is taken, in pieces of at most 8 MiB; one byte more is declined with a reason', () => {
  assert.is(MAX_OFFER_PIECE_SIZE, 8 * 1024 * 1024);
  const largest = readOffer(madeUpOffer(MAX_OFFER_FILE_SIZE));
  assert.ok(typeof largest !== 'string', String(largest));
  assert.is(typeof largest !== 'string' && largest.pieceSize, MAX_OFFER_PIECE_SIZE);
  const over = readOffer(madeUpOffer(MAX_OFFER_FILE_SIZE + 1));
  assert.is(typeof over, 'string');
  assert.match(String(over), /^offered 68719476737 bytes in 16 MB pieces: over the limit of 64 GB \(8\.0 MB pieces\)/);
  assert.ok(String(over).length <= 200, 'fits a decline');
});

test('a download takes at most 8 sources', () => {
  assert.is(sourceLimitProblem(MAX_SOURCES_PER_DOWNLOAD - 1), undefined);
  assert.match(sourceLimitProblem(MAX_SOURCES_PER_DOWNLOAD) ?? '', /already downloading from 8 sources/);
});

test('a source gives its piece frames 60 s to arrive whole', () => {
  const [near, far] = duplexPair();
  const channel = new Channel(near, peerMessages);
  const deadlines: number[] = [];
  const set = channel.setFrameDeadline.bind(channel);
  channel.setFrameDeadline = (ms: number) => (deadlines.push(ms), set(ms));
  const source = new DownloadSource('h1', channel, 'transfer-1', 1024, 1024 * 1024, 10_000, 60_000);
  assert.equal(deadlines, [PIECE_FRAME_DEADLINE_MS]);
  assert.is(PIECE_FRAME_DEADLINE_MS, 60_000);
  source.drop('test over');
  far.destroy();
});

test('the address book keeps an advertised address only when the connection came from that host', () => {
  const over = (remote: string) => ({ remote }) as unknown as Parameters<typeof cameFrom>[0];
  const holder = { name: 'h', id: 'h-id-000000', host: '10.0.0.5', port: 4000 };
  assert.ok(cameFrom(over('10.0.0.5:51234'), holder));
  assert.ok(cameFrom(over('::ffff:10.0.0.5:51234'), holder));
  assert.not.ok(cameFrom(over('10.0.0.9:51234'), holder));
  assert.not.ok(cameFrom(over('10.0.0.5:51234'), { ...holder, host: '192.0.2.7' }));
  assert.not.ok(cameFrom(over('10.0.0.5:51234'), { ...holder, host: '0.0.0.0' }));
  assert.ok(cameFrom(over('fe80::1:51234'), { ...holder, host: 'fe80::1' }));
});

test.run();
