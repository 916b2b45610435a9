/** Builds synthetic PeerEvents for feeder tests: `at(1000, { event: 'ready', ... })`. Not a test file. */
import type { PeerEvent, PeerEventReport } from '../../peer/control/peer-events.js';

export function at(t: number, body: PeerEventReport): PeerEvent {
  return { ...body, t } as PeerEvent;
}

/** Removes blessed tags (`{bold}`, `{/red-fg}`) and unescapes `{open}`/`{close}`, to read rendered lines. */
export function untag(text: string): string {
  return text.replace(/\{\/?[\w-]+(?:,[\w-]+)*\}/g, (m) => (m === '{open}' ? '{' : m === '{close}' ? '}' : ''));
}
