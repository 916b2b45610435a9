/**
 * Every error the system raises on purpose, with a stable code (after undici's UND_ERR_*, ws's WS_ERR_*).
 * Codes are part of the protocol: refusals carry them on the wire, and tests match on them.
 */
export type P2pErrorCode =
  | 'P2P_ERR_FRAME_TOO_LARGE'
  | 'P2P_ERR_BUFFER_OVERFLOW'
  | 'P2P_ERR_BAD_FRAME'
  | 'P2P_ERR_UNKNOWN_TYPE'
  | 'P2P_ERR_BAD_MESSAGE'
  | 'P2P_ERR_UNEXPECTED_MESSAGE'
  | 'P2P_ERR_TIMEOUT'
  | 'P2P_ERR_CLOSED'
  | 'P2P_ERR_BAD_NAME'
  | 'P2P_ERR_BAD_FLAG'
  | 'P2P_ERR_NAME_TAKEN'
  | 'P2P_ERR_MESH_FULL'
  | 'P2P_ERR_NO_PORT'
  | 'P2P_ERR_BAD_ARGS'
  | 'P2P_ERR_BAD_PATH'
  | 'P2P_ERR_TRANSFER'
  | 'P2P_ERR_MESH_KEY'
  | 'P2P_ERR_IDENTITY'
  | 'P2P_ERR_NEIGHBOURS_FULL';

export class P2pError extends Error {
  readonly code: P2pErrorCode;
  constructor(code: P2pErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'P2pError';
    this.code = code;
  }
}

export class FrameTooLargeError extends P2pError {
  constructor(declared: number, max: number) {
    super('P2P_ERR_FRAME_TOO_LARGE', `frame of ${declared} bytes exceeds the limit of ${max} bytes`);
  }
}

export class BufferOverflowError extends P2pError {
  constructor(buffered: number, max: number) {
    super('P2P_ERR_BUFFER_OVERFLOW', `${buffered} unprocessed bytes exceed the limit of ${max} bytes`);
  }
}

export class BadMessageError extends P2pError {
  constructor(message: string) {
    super('P2P_ERR_BAD_MESSAGE', message);
  }
}

export class TimeoutError extends P2pError {
  constructor(what: string, ms: number) {
    super('P2P_ERR_TIMEOUT', `${what}: no answer within ${ms} ms`);
  }
}

/** Turns anything thrown into a one-line human message. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Output errors of a terminal (or pipe) that went away: after a hangup, writes fail with these and mean nothing. */
export function isClosedOutput(err: NodeJS.ErrnoException): boolean {
  return err.code === 'EIO' || err.code === 'EPIPE' || err.code === 'ENXIO';
}
