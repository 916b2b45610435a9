import { P2pError } from './errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Parses `HOST:PORT` (`[v6]:PORT` too). Throws P2P_ERR_BAD_ARGS with a sentence saying what is expected. */
export function parseHostPort(text: string, what = 'address'): HostPort {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new P2pError('P2P_ERR_BAD_ARGS', `${what} "${text}" must be HOST:PORT, for example 127.0.0.1:7000`);
  }
  return { host: m[1]!, port };
}

export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
