import type { PeerMessages } from '../../common/wire/peer-messages.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import type { HeldFile } from '../files/file-catalog.js';
import { pathProblem } from '../files/relative-path.js';
import type { PeerContext } from '../peer-context.js';
import type { FloodRouter } from './flood-router.js';
import type { NeighbourLink } from './neighbour-link.js';

/**
 * A flooded search arriving from a neighbour (after floodsub's processMessage): drop it when its id was seen,
 * refuse a bad name, forward it with one hop fewer, and when this peer holds the file and the query's origin is
 * where the mesh knows that peer to be (OriginCheck) hand it to `answer` (which dials the requester back there). Every
 * outcome is reported as `query-seen`.
 */
export class SearchResponder {
  constructor(
    private readonly ctx: PeerContext,
    private readonly router: FloodRouter,
    /** The held files a query names, if any: one, or each path an ambiguous bare name names. */
    private readonly resolve: (file: string) => HeldFile[] | undefined,
    private readonly answer: (q: PeerMessages['query'], held: HeldFile) => void,
    /** Where the mesh knows the query's origin to be, or why it is not dialled (OriginCheck.where). */
    private readonly origin: (claimed: PeerRef) => Promise<PeerRef | string>,
  ) {}

  onQuery(link: Pick<NeighbourLink, 'name'>, q: PeerMessages['query']): void {
    const seen = { query: q.qid, file: q.file, from: link.name, origin: q.origin.name, hops: q.hops };
    if (!this.router.accept(q.qid, link.name))
      return this.ctx.emit({ event: 'query-seen', ...seen, action: 'duplicate' });
    const problem = pathProblem(q.file);
    if (problem) {
      // A hostile or broken peer's `..`, absolute path or backslash: never forwarded, never looked up (relative-path.ts).
      this.ctx.log(`refused ${link.name}'s query for ${JSON.stringify(q.file.slice(0, 80))}: ${problem}`, 'warn');
      return this.ctx.emit({ event: 'query-seen', ...seen, action: 'refused', reason: problem });
    }
    const forwarded = this.router.forward('query', q, link.name);
    if (q.origin.name === this.ctx.name) return this.ctx.emit({ event: 'query-seen', ...seen, action: 'own' });
    const held = this.resolve(q.file);
    if (!held?.length)
      return this.ctx.emit({ event: 'query-seen', ...seen, action: forwarded > 0 ? 'forwarded' : 'expired' });
    void this.origin(q.origin).then((origin) => {
      if (typeof origin === 'string') {
        this.ctx.log(`did not answer ${link.name}'s query for ${q.file}: ${origin}`, 'warn');
        return this.ctx.emit({ event: 'query-seen', ...seen, action: 'refused', reason: origin });
      }
      this.ctx.emit({ event: 'query-seen', ...seen, action: 'answered' });
      for (const file of held) this.answer({ ...q, origin }, file);
    });
  }
}
