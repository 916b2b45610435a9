import { describeError } from '../../common/errors.js';

/** One sentence for a failed write; a full disk says so plainly. */
export function diskProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return 'the disk is full: free some space and ask for the file again to resume (verified pieces are kept)';
  return `cannot write the partial file: ${describeError(err)}`;
}
