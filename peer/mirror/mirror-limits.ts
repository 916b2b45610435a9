import type { OwnerSyncOptions } from './owner-sync.js';

/** Environment variables that lower a mirror's limits for one owner's tree (tests use them to stay fast). */
export const MIRROR_MAX_FILES_ENV = 'P2P_MIRROR_MAX_FILES';
export const MIRROR_MAX_TREE_BYTES_ENV = 'P2P_MIRROR_MAX_TREE_BYTES';

/**
 * The limits for one owner's tree (owner-sync.ts `maxFiles`, `maxTreeBytes`) named in `env`; a value that is not a
 * whole number above 0 is ignored (the defaults apply).
 */
export function mirrorLimitsFromEnv(env: NodeJS.ProcessEnv): Pick<OwnerSyncOptions, 'maxFiles' | 'maxTreeBytes'> {
  const read = (name: string) => {
    const n = Number(env[name]);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  };
  const [maxFiles, maxTreeBytes] = [read(MIRROR_MAX_FILES_ENV), read(MIRROR_MAX_TREE_BYTES_ENV)];
  return { ...(maxFiles ? { maxFiles } : {}), ...(maxTreeBytes ? { maxTreeBytes } : {}) };
}
