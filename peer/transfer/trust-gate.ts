/**
 * What trust asks of a download (docs/SECURITY.md "Trusted peers and files"): a `--trusted-only` peer and a
 * `secure-get` take only content on the metadata server's signed trusted-file list, and `secure-get FILE from PEER`
 * only from PEER when PEER is trusted, proving the id the list binds to its name. Anything else ends the download
 * with `download-failed`, reason `not trusted` (or the reason PEER cannot be used), and nothing is saved.
 */
import type { ContentWant } from './content-choice.js';

/** The verified trust list, as downloads see it (peer/trust/trust-list.ts). */
export interface TrustView {
  readonly known: boolean;
  contentTrusted(sha256: string): boolean;
  trustedId(name: string): string | undefined;
  isTrustedPeer(name: string): boolean;
}

export interface TrustGate {
  /** `--trusted-only`: every download takes trusted content only. */
  trustedOnly: boolean;
  list: TrustView;
}

/** The reason every refused download of untrusted content ends with (docs/CONTRACT.md "The trusted mesh"). */
export const NOT_TRUSTED = 'not trusted';

/** Whether this download takes trusted content only. */
export function gated(gate: TrustGate | undefined, want: ContentWant): boolean {
  return !!want.secure || !!gate?.trustedOnly;
}

/** Why `secure-get FILE from PEER` cannot start, or undefined. */
export function secureRefusal(gate: TrustGate | undefined, want: ContentWant): string | undefined {
  if (!want.secure || !want.from) return undefined;
  if (!gate?.list.known) return 'no trust list from the metadata server yet: secure-get waits for one (join first)';
  if (!gate.list.isTrustedPeer(want.from)) return `${want.from} is not a trusted peer (type trusted to see them)`;
  if (gate.list.trustedId(want.from) === undefined)
    return `${want.from} is trusted but has never joined, so its identity is not known yet`;
  return undefined;
}

/** The id an offer from `name` must prove: the trusted id for a secure-get from it, else what the mesh knows. */
export function expectedId(
  gate: TrustGate | undefined,
  want: ContentWant,
  name: string,
  meshKnows: (name: string) => string | undefined,
): string | undefined {
  return want.secure ? gate?.list.trustedId(name) : meshKnows(name);
}

/** NOT_TRUSTED when the download is gated and the content is not on the trusted-file list. */
export function contentRefusal(gate: TrustGate | undefined, want: ContentWant, sha256: string): string | undefined {
  return gated(gate, want) && !gate?.list.contentTrusted(sha256) ? NOT_TRUSTED : undefined;
}

/** The holders' contents a gated download may take; `dropped` says whether some were left out for trust. */
export function keepTrusted<T extends { sha256: string }>(
  gate: TrustGate | undefined,
  want: ContentWant,
  items: T[],
): { kept: T[]; dropped: boolean } {
  if (!gated(gate, want)) return { kept: items, dropped: false };
  const kept = items.filter((i) => gate?.list.contentTrusted(i.sha256));
  return { kept, dropped: kept.length < items.length };
}
