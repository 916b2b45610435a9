import { EventEmitter } from 'eventemitter3';
import { nanoid } from 'nanoid';
import { formatByteShare } from '../../common/byte-size.js';
import { describeError } from '../../common/errors.js';
import type { PeerMessages } from '../../common/wire/peer-messages.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import type { AddressBook } from '../files/address-book.js';
import { nameMatch, sameName } from '../files/relative-path.js';
import type { Hasher } from '../content/hasher.js';
import type { PartialFiles, PartialRecord } from '../content/partial-file.js';
import type { PeerChannel } from '../transport/peer-listener.js';
import { caused, type PeerEventReport } from '../control/peer-events.js';
import { askHolder, cameFrom, declineOffer, readOffer, senderProblem } from './ask-holder.js';
import { chooseKnown, chooseOffered, contests, unwanted } from './content-choice.js';
import { noHolderAnswer } from './no-holder.js';
import { cancelledEvent, giveUpReason, refusalEvent, summary } from './download-job.js';
import type { ContentWant, DownloadsOptions, Job, Locator, OfferSummary, Refusal } from './download-job.js';
import { exchangePeers } from './peer-exchange.js';
import { servedPartial, type ServedPartial } from './partial-serving.js';
import { reportSwarm } from './swarm-report.js';
import { contentRefusal, expectedId, keepTrusted, NOT_TRUSTED, secureRefusal } from './trust-gate.js';
import { SwarmDownload, type SwarmOptions } from './swarm-download.js';

export type { DownloadsOptions, Locator } from './download-job.js';

/**
 * Every download of this peer. A download first finds holders without flooding, from the metadata server's index,
 * then from the address book of recent sightings, and dials them (`fetch`); when neither knows a holder (or the
 * server is unreachable) it floods the mesh and holders dial back. All holders of the same content feed one
 * SwarmDownload; offers of a different file under the same name are declined. Holders that disagree on the content
 * of a name make it answer `ambiguous` (content-choice.ts). Interrupted downloads resume from their verified pieces
 * when asked for again and when the peer starts.
 */
export class Downloads extends EventEmitter<{
  event: (e: PeerEventReport) => void;
  log: (message: string, level: 'info' | 'warn') => void;
}> {
  private readonly jobs = new Map<string, Job>();
  /** Extra query ids (new flood rounds) that lead to a job. */
  private readonly aliases = new Map<string, Job>();
  private readonly opts: Required<Omit<DownloadsOptions, 'swarm'>> & { swarm: SwarmOptions };

  constructor(
    private readonly downloadsDir: string,
    private readonly hasher: Hasher,
    private readonly partials: PartialFiles,
    private readonly book: AddressBook,
    private readonly locator: Locator,
    options: DownloadsOptions = {},
  ) {
    super();
    this.opts = {
      queryTimeoutMs: 3000,
      chooseWindowMs: 300,
      relocateAttempts: 3,
      relocateDelayMs: 1000,
      downloadsLabel: 'Downloads',
      swarm: {},
      ...options,
    };
  }

  /** Starts (or resumes) the download of what the user typed in command line `cmd`, narrowed to `want`. */
  start(query: string, cmd?: number, want: ContentWant = {}): void {
    if (want.from === this.locator.self().name) {
      this.emit('event', caused({ event: 'error', message: `${want.from} is this peer: name another peer` }, cmd));
      return;
    }
    const untrusted = secureRefusal(this.locator.trust, want);
    if (untrusted) {
      const body = { event: 'download-failed', download: nanoid(), file: query, reason: untrusted } as const;
      return void this.emit('event', caused(body, cmd));
    }
    if ([...this.jobs.values()].some((j) => sameName(j.query, query) || sameName(j.swarm?.content.file ?? '', query))) {
      this.emit('event', caused({ event: 'error', message: `${query} is already being downloaded` }, cmd));
      return;
    }
    const partial = this.partials
      .all()
      .find((r) => nameMatch(query, r.file) !== undefined && !unwanted(want, '', r.manifest.sha256));
    if (partial && this.byContent(partial.manifest.sha256)) {
      this.emit('event', caused({ event: 'error', message: `${partial.file} is already being downloaded` }, cmd));
      return;
    }
    if (partial) {
      void this.resume(partial, cmd, want);
      return;
    }
    const job = this.newJob(query, undefined, undefined, cmd, want);
    this.armNotFound(job);
    void this.locate(job);
  }

  /**
   * Stops the running download of `name` (its query, file name or stem) for command line `by`: every source is
   * dropped and no more is asked; its verified pieces stay for a resume unless `discard`. Ends with `download-cancelled`.
   * Returns false when nothing of that name runs, 'finishing' when too late, 'cancelling' when already cancelled.
   */
  async cancel(name: string, discard: boolean, by: number): Promise<boolean | 'finishing' | 'cancelling'> {
    const named = (j: Job) => sameName(j.query, name) || sameName(j.swarm?.content.file ?? '', name);
    const job = [...this.jobs.values()].find(named) ?? this.runningByStem(name);
    if (!job) return false;
    if (job.swarm?.isFinalizing) return 'finishing';
    if (job.cancelled) return 'cancelling'; // the first cancel decides what is kept, and its event says so
    job.cancelled = { by, discard };
    if (job.swarm) {
      await job.swarm.abort('cancelled by the user', discard); // its `failed` becomes `download-cancelled`
      return true;
    }
    this.drop(job); // still searching: late offers are declined, no round follows
    this.emit('event', cancelledEvent(job, job.query, 0));
    return true;
  }

  /** The running download whose file's stem is `stem`, when exactly one is. */
  private runningByStem(stem: string): Job | undefined {
    const jobs = [...this.jobs.values()].filter((j) => j.swarm && nameMatch(stem, j.swarm.content.file) !== undefined);
    return jobs.length === 1 ? jobs[0] : undefined;
  }

  /** Contents being downloaded now. */
  running(): Set<string> {
    return new Set([...this.jobs.values()].flatMap((j) => (j.sha256 ? [j.sha256] : [])));
  }

  /** Resumes every download a previous run left unfinished. */
  resumeAll(): void {
    for (const record of this.partials.all()) {
      if (![...this.jobs.values()].some((j) => j.sha256 === record.manifest.sha256)) void this.resume(record);
    }
  }

  /** An offer arrived: from a holder answering our flood, or in reply to our `fetch` (`asked`). */
  onOffer(channel: PeerChannel, offer: PeerMessages['offer'], asked = false): void {
    const job = this.jobs.get(offer.qid) ?? this.aliases.get(offer.qid);
    const decline = (reason: string) => declineOffer(channel, offer.qid, reason);
    if (!job) return decline('no search with this id is waiting (it finished or timed out)');
    const known = expectedId(this.locator.trust, job.want, offer.from.name, (n) => this.locator.knownIdOf(n));
    const impostor = senderProblem(channel, offer.from, known, !!job.want.from);
    if (impostor) return decline(impostor);
    const untrusted = contentRefusal(this.locator.trust, job.want, offer.sha256);
    if (untrusted) return decline((job.refusal = untrusted));
    const checked = readOffer(offer);
    if (typeof checked === 'string') {
      this.emit('log', `declined ${offer.from.name}'s offer of ${offer.file}: ${checked}`, 'warn');
      return decline(checked);
    }
    const manifest = checked;
    if (cameFrom(channel, offer.from))
      this.book.record({ name: offer.file, size: offer.size, sha256: offer.sha256 }, offer.from);
    const notChosen = unwanted(job.want, offer.from.name, offer.sha256);
    if (notChosen) return decline(notChosen);
    if (job.swarm) {
      const same = job.swarm.matches(manifest);
      if (job.watch && contests(job.query, job.swarm.content.file, offer.file, same))
        return this.contested(job, channel, offer);
      if (!same) {
        job.otherContent = { from: offer.from.name, sha256: offer.sha256 };
        this.emit(
          'log',
          `${offer.from.name} holds a different ${offer.file} (SHA-256 ${offer.sha256.slice(0, 12)}…)`,
          'info',
        );
        return decline('a different file under the same name');
      }
      job.swarm.addSource(offer.from.name, channel, offer.have);
      job.watch?.offers.push(summary(offer));
      return;
    }
    if (nameMatch(job.query, offer.file) === undefined) return decline(`asked for ${job.query}, not ${offer.file}`);
    if (job.sha256 && offer.sha256 !== job.sha256) {
      job.otherContent = { from: offer.from.name, sha256: offer.sha256 };
      return decline('a different file under the same name');
    }
    const other = this.byContent(offer.sha256);
    if (other) {
      // Another name for content already on its way: one partial file per content, so this request ends here.
      decline('this content is already being downloaded');
      this.drop(job);
      const message = `${job.query} is the same content as ${other.swarm!.content.file}, already being downloaded`;
      this.emit('event', caused({ event: 'error', message }, job.cmd));
      return;
    }
    clearTimeout(job.timer);
    // A flood's answers may yet disagree on the content (the index's holders were chosen before any was dialled).
    const watched = !asked && !job.sha256 && !job.want.from;
    job.sha256 = offer.sha256;
    const swarm = this.attach(job, { file: offer.file, manifest });
    if (watched) this.watch(job, swarm, summary(offer));
    swarm.addSource(offer.from.name, channel, offer.have); // waits inside the swarm until the partial file is open
    void swarm
      .open(this.partials.load(offer.sha256))
      .catch((err) => void swarm.abort(`cannot open the partial file: ${describeError(err)}`));
  }

  /** For chooseWindowMs the finished file waits, and other offers may still show another content under its name. */
  private watch(job: Job, swarm: SwarmDownload, first: OfferSummary): void {
    let release: (keep: boolean) => void = () => undefined;
    swarm.placement = new Promise<boolean>((resolve) => (release = resolve));
    const timer = setTimeout(() => {
      job.watch = undefined;
      release(true);
    }, this.opts.chooseWindowMs);
    job.watch = { offers: [first], release, timer };
  }

  /** Another content under the name of the one being fetched, within the window: the download may not pick one. */
  private contested(job: Job, channel: PeerChannel, offer: PeerMessages['offer']): void {
    declineOffer(channel, offer.qid, 'holders offer different contents under this name');
    const watch = job.watch!;
    const decision = chooseOffered(job.query, job.want, [...watch.offers, summary(offer)]);
    if (decision?.kind === 'take') return; // cannot happen: two contents under one name always disagree
    job.refused = true;
    const swarm = job.swarm!;
    this.drop(job); // late offers are declined; its placement gate opens with false: a finishing swarm discards
    // Answered once its data is deleted, so asking again at once does not meet the old partial file still open.
    swarm.once('failed', () => decision && this.refuse(job, decision));
    void swarm.abort('holders offer different contents under this name', true);
  }

  /** Ends a download that may not pick a content: `ambiguous`, or an `error` for a prefix matching several. */
  private refuse(job: Job, decision: Refusal): void {
    this.drop(job);
    this.emit('event', refusalEvent(job, decision));
  }

  /** A download of this content still running, as uploads serve it meanwhile (docs/PROTOCOL.md "Swarming"). */
  servable(sha256: string): ServedPartial | undefined {
    return servedPartial(this.byContent(sha256)?.swarm);
  }

  /** The download, if any, whose swarm holds this content. */
  private byContent(sha256: string): Job | undefined {
    return [...this.jobs.values()].find((j) => j.swarm && j.swarm.sha256 === sha256);
  }

  /** Ends every download, keeping verified pieces for the next start. */
  async abortAll(reason: string): Promise<void> {
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    this.aliases.clear();
    await Promise.all(jobs.map((j) => (this.drop(j), j.swarm?.abort(reason))));
  }

  private newJob(query: string, sha256?: string, download?: string, cmd?: number, want: ContentWant = {}): Job {
    const job: Job = {
      want,
      qid: nanoid(),
      download: download ?? nanoid(),
      query,
      started: Date.now(),
      relocations: 0,
      asked: new Set(),
      ...(sha256 ? { sha256 } : {}),
      ...(cmd === undefined ? {} : { cmd }),
    };
    this.jobs.set(job.qid, job);
    return job;
  }

  private armNotFound(job: Job): void {
    clearTimeout(job.timer);
    job.timer = setTimeout(() => {
      if (job.swarm && (job.swarm.sourceCount > 0 || job.swarm.isFinalizing)) return;
      if (job.swarm) {
        const kept = formatByteShare(job.swarm.received, job.swarm.content.manifest.size);
        void job.swarm.abort(giveUpReason(job, 'no holder can be reached now', kept));
        return;
      }
      this.drop(job);
      void noHolderAnswer(job, this.locator, this.book).then((answer) => this.emit('event', answer));
    }, this.opts.queryTimeoutMs);
  }

  private async resume(record: PartialRecord, cmd?: number, want: ContentWant = {}): Promise<void> {
    const { sha256, size } = record.manifest;
    const job = this.newJob(record.file, sha256, record.download, cmd, want);
    const swarm = this.attach(job, { file: record.file, manifest: record.manifest });
    try {
      const have = await swarm.open(record);
      this.emit(
        'event',
        caused(
          { event: 'download-resumed', download: job.download, file: record.file, sha256, bytes: size, have },
          job.cmd,
        ),
      );
    } catch (err) {
      await swarm.abort(`cannot reopen the partial file: ${describeError(err)}`);
      return;
    }
    this.armNotFound(job);
    await this.locate(job);
  }

  /** Finds holders: the index, then the address book (both dialled directly), else a flood. */
  private async locate(job: Job): Promise<void> {
    const listed = keepTrusted(this.locator.trust, job.want, (await this.locator.index('name', job.query)) ?? []);
    if (job.cancelled) return;
    const seen = keepTrusted(this.locator.trust, job.want, this.book.lookup(job.query));
    if (listed.dropped || seen.dropped) job.refusal = NOT_TRUSTED;
    const self = this.locator.self().name;
    const known = chooseKnown(job.query, job.sha256, job.want, self, listed.kept, seen.kept);
    if (known.kind !== 'holders') return this.refuse(job, known);
    const targets = known.targets;
    for (const name of job.swarm ? [...job.asked] : []) targets.delete(name);
    if (targets.size === 0) {
      this.flood(job);
      return;
    }
    const results = await Promise.all([...targets.values()].map((t) => this.fetch(job, t.ref, t.file, t.sha256)));
    if (!results.some(Boolean)) this.flood(job); // every known holder failed: ask the mesh
  }

  private flood(job: Job): void {
    if (job.cancelled) return; // cancelled while its known holders were being asked
    const qid = job.swarm || job.relocations > 0 ? nanoid() : job.qid; // a new round needs an id the mesh has not seen
    if (qid !== job.qid) this.aliases.set(qid, job);
    const sent = this.locator.flood(qid, job.query);
    this.emit(
      'event',
      caused(
        {
          event: 'query-sent',
          query: qid,
          download: job.download,
          file: job.query,
          hops: this.locator.hopLimit(),
          neighbours: sent,
        },
        job.cmd,
      ),
    );
  }

  /** Dials a known holder and asks it to offer the file; true when it did. */
  private async fetch(job: Job, holder: PeerRef, file: string, sha256: string): Promise<boolean> {
    job.asked.add(holder.name);
    const answer = await askHolder(this.locator.transport, holder, {
      qid: job.qid,
      file,
      sha256,
      from: this.locator.self(),
    });
    if ('problem' in answer) {
      this.book.forget(sha256, holder.name);
      this.emit('log', `${holder.name} did not offer ${file}: ${answer.problem}`, 'info');
      return false;
    }
    this.onOffer(answer.channel, answer.offer, true);
    return true;
  }

  private attach(job: Job, content: SwarmDownload['content']): SwarmDownload {
    const { downloadsDir, hasher, partials } = this;
    const swarm = new SwarmDownload(job.qid, content, downloadsDir, hasher, partials, this.opts.swarm, job.download);
    job.swarm = swarm;
    const dial = (ref: PeerRef) => this.fetch(job, ref, content.file, content.manifest.sha256);
    const emit = this.emit.bind(this);
    swarm.on('peers', (from, peers, met) => void exchangePeers(job, from, peers, this.locator, dial, emit, met));
    reportSwarm(swarm, job, this.opts.downloadsLabel, {
      event: (e) => this.emit('event', e),
      log: (message, level) => this.emit('log', message, level),
      stalled: () => void this.relocate(job),
      ended: () => this.drop(job),
    });
    return swarm;
  }

  /** Every holder left mid-download: look for others a few times, then give up keeping the pieces. */
  private async relocate(job: Job): Promise<void> {
    const swarm = job.swarm;
    if (!swarm || swarm.isFinished || swarm.isFinalizing) return;
    if (job.relocations >= this.opts.relocateAttempts) {
      const kept = formatByteShare(swarm.received, swarm.content.manifest.size);
      await swarm.abort(giveUpReason(job, 'every holder is gone', kept));
      return;
    }
    job.relocations++;
    job.asked.clear();
    await new Promise((r) => setTimeout(r, this.opts.relocateDelayMs * job.relocations));
    if (swarm.isFinished || swarm.sourceCount > 0) return;
    await this.locate(job);
    setTimeout(() => {
      if (!swarm.isFinished && swarm.sourceCount === 0) void this.relocate(job);
    }, this.opts.queryTimeoutMs);
  }

  private drop(job: Job): void {
    clearTimeout(job.timer);
    clearTimeout(job.watch?.timer);
    job.watch?.release(!job.refused);
    job.watch = undefined;
    this.jobs.delete(job.qid);
    for (const [qid, j] of this.aliases) if (j === job) this.aliases.delete(qid);
  }
}
