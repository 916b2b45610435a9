/**
 * Keeps every admitted peer's copy of the signed trust list current (docs/SECURITY.md "Trusted peers and files"):
 * a peer gets the list right after its `welcome`, and every peer gets it again, once, shortly after it changes (a
 * trusted peer's index changed, or a trusted name was bound to an id for the first time). Also binds the names of
 * admitted joins in the name book.
 */
import { describeError } from '../common/errors.js';
import type { SigningKey } from '../common/signing-key.js';
import type { IndexedFile, ServerMessages } from '../common/wire/server-messages.js';
import type { NameBook } from './name-book.js';
import type { TrustBook } from './trust-book.js';

/** What the service needs of a connection. */
export interface TrustReceiver {
  send(list: ServerMessages['trust']): void;
}

/** Changes within this long go out as one list. */
const BROADCAST_DELAY_MS = 100;

export class TrustService {
  private signed: ServerMessages['trust'] | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly book: TrustBook,
    private readonly names: NameBook,
    private readonly key: SigningKey,
    private readonly receivers: () => Iterable<TrustReceiver>,
    private readonly log: (line: string) => void,
  ) {}

  /** The list as it stands, signed (re-signed only after a change). */
  current(): ServerMessages['trust'] {
    this.signed ??= this.book.signed(this.names, this.key);
    return this.signed;
  }

  /** A join was admitted: bind its name, and hand it the list. */
  admitted(to: TrustReceiver, join: ServerMessages['join']): void {
    const wasBound = this.names.idOf(join.name) !== undefined;
    try {
      this.names.admit(join.name, join.id);
    } catch (err) {
      this.log(`could not remember the name ${join.name}: ${describeError(err)}`);
    }
    // A trusted name's id is part of the list: the first time it is bound, everybody needs the new list.
    if (!wasBound && this.book.isTrusted(join.name)) this.changed();
    to.send(this.current());
  }

  /** A connection's index was accepted: a trusted publisher's files are the trusted files. */
  indexed(name: string, files: IndexedFile[]): void {
    if (this.book.noteIndex(name, files)) this.changed();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private changed(): void {
    this.signed = undefined;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const list = this.current();
      for (const r of this.receivers()) r.send(list);
    }, BROADCAST_DELAY_MS);
    this.timer.unref();
  }
}
