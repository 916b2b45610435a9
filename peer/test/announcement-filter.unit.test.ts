/** What a peer requires of an authentic announcement before dialling it (peer/mesh/announcement-filter.ts). */
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SigningKey } from '../../common/signing-key.js';
import { NO_ECHO, type Announcement } from '../../common/wire/announcement.js';
import { AnnouncementFilter } from '../mesh/announcement-filter.js';

const server = SigningKey.generate();
let now = 1_700_000_000_000;
const clock = () => now;

function heard(fields: Partial<Announcement> = {}): Announcement {
  return {
    kind: 'announce',
    time: now,
    nonce: randomBytes(16),
    echo: NO_ECHO,
    host: '10.213.5.1',
    port: 7000,
    serverKey: server.publicKey,
    ...fields,
  };
}

test('a fresh announcement from the address it names is followed', () => {
  const filter = new AnnouncementFilter({ pin: () => undefined, now: clock });
  assert.is(filter.check(heard(), '10.213.5.1'), undefined);
});

test('an announcement naming another address than its source is dropped', () => {
  const filter = new AnnouncementFilter({ pin: () => undefined, now: clock });
  assert.match(filter.check(heard({ host: '10.213.5.99' }), '10.213.5.1') ?? '', /names 10.213.5.99 but came from/);
});

test('a peer that pinned a server key follows only that server', () => {
  let pin: Buffer | undefined = SigningKey.generate().publicKey;
  const filter = new AnnouncementFilter({ pin: () => pin, now: clock });
  assert.match(filter.check(heard(), '10.213.5.1') ?? '', /is not the pinned metadata server/);
  pin = server.publicKey;
  assert.is(filter.check(heard(), '10.213.5.1'), undefined);
});

test('a replayed announcement is dropped: the same nonce twice, or an old one past the window', () => {
  const filter = new AnnouncementFilter({ pin: () => undefined, now: clock, windowMs: 10_000 });
  const once = heard();
  assert.is(filter.check(once, '10.213.5.1'), undefined);
  assert.match(filter.check(once, '10.213.5.1') ?? '', /replayed/);
  assert.match(filter.check(heard({ time: now - 10_001 }), '10.213.5.1') ?? '', /stale: its time is 10.0 s old/);
  assert.match(filter.check(heard({ time: now + 20_000 }), '10.213.5.1') ?? '', /20.0 s ahead/);
  assert.is(filter.check(heard({ time: now - 9_000 }), '10.213.5.1'), undefined);
  now += 15_000; // the first one again, later: too old by now, and still remembered
  assert.ok(filter.check(once, '10.213.5.1'));
});

test("an answer to one of our queries is fresh whatever the server's clock; someone else's echo is not", () => {
  const filter = new AnnouncementFilter({ pin: () => undefined, now: clock, windowMs: 10_000 });
  const asked = randomBytes(16);
  filter.asking(asked);
  assert.is(filter.check(heard({ time: now - 3_600_000, echo: asked }), '10.213.5.1'), undefined);
  assert.match(filter.check(heard({ time: now - 3_600_000, echo: randomBytes(16) }), '10.213.5.1') ?? '', /stale/);
  now += 11_000; // our query is forgotten after the window: its answers are judged by their time again
  assert.match(filter.check(heard({ time: now - 3_600_000, echo: asked }), '10.213.5.1') ?? '', /stale/);
});

test.run();
