import { P2pError } from '../errors.js';

/** The P2pError code `fn` throws, 'not a P2pError' for anything else, or undefined when it does not throw. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof P2pError ? err.code : 'not a P2pError';
  }
  return undefined;
}
