/**
 * The mesh key on the wire (docs/PROTOCOL.md "The mesh key: TLS 1.3 with a pre-shared key"): every connection of a
 * keyed mesh, peer or metadata server, runs TLS 1.3 with the mesh key as an external pre-shared key before its
 * first frame. No certificate is ever loaded: a server holding one would let a client with the wrong key in when
 * that client skips certificate checks. The PSK identity travels in clear, so it is a constant, never a name.
 * Both the peer's transport and the metadata server secure their sockets here.
 *
 * May import: Node's standard library only.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, TLSSocket, type ConnectionOptions, type TlsOptions } from 'node:tls';

/** How a process speaks: keyed (TLS-PSK with `key`) or the open mesh of `--open` (plain TCP). */
export type MeshMode = { readonly keyed: true; readonly key: Buffer } | { readonly keyed: false };

export const OPEN_MESH: MeshMode = { keyed: false };

export function keyedMesh(key: Buffer): MeshMode {
  return { keyed: true, key };
}

/** The PSK identity every member sends (in clear): the same for all, so it tells an onlooker nothing. */
export const PSK_IDENTITY = 'meshshare/1';
/** The SHA-256 suites: OpenSSL binds an external PSK to SHA-256, so the SHA-384 suite cannot be used. */
export const MESH_CIPHERS = 'TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256';

/**
 * Why a connection did not get through the secure step:
 * - `wrong-key`: both sides run TLS-PSK, with different keys;
 * - `far-end-open`: we are keyed and the far end answered in plain bytes (it runs `--open`);
 * - `far-end-keyed`: we are open and the far end started a TLS handshake (it has a mesh key);
 * - `no-key`: we are keyed and the far end sent plain bytes (a stranger, or an `--open` process);
 * - `closed`: the far end went away before the handshake finished; `failed`: any other TLS failure.
 */
export type HandshakeFailure = 'wrong-key' | 'far-end-open' | 'far-end-keyed' | 'no-key' | 'closed' | 'failed';

export class MeshHandshakeError extends Error {
  constructor(
    readonly failure: HandshakeFailure,
    message: string,
  ) {
    super(message);
    this.name = 'MeshHandshakeError';
  }
}

const TLS_VERSIONS = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } as const;

/** TLS options of the accepting side: the key for our one identity, nothing else (no certificate). */
function serverOptions(key: Buffer): TlsOptions {
  return {
    ...TLS_VERSIONS,
    ciphers: MESH_CIPHERS,
    pskCallback: (_socket: TLSSocket, identity: string) => (identity === PSK_IDENTITY ? key : null),
  };
}

/** TLS options of the dialling side: the key under the constant identity; there is no certificate to check. */
function clientOptions(socket: Socket, key: Buffer): ConnectionOptions {
  return {
    socket,
    ...TLS_VERSIONS,
    ciphers: MESH_CIPHERS,
    pskCallback: () => ({ psk: key, identity: PSK_IDENTITY }),
    checkServerIdentity: () => undefined,
  };
}

/** A dialler's TLS error, sorted: the far end's alert for a bad binder means our key is not theirs. */
function dialFailure(err: Error): HandshakeFailure {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (/ALERT_(ILLEGAL_PARAMETER|DECRYPT_ERROR|UNKNOWN_PSK_IDENTITY|HANDSHAKE_FAILURE)$/.test(code)) return 'wrong-key';
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|RECORD_LAYER_FAILURE|UNEXPECTED_RECORD/.test(code))
    return 'far-end-open';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'closed';
  return 'failed';
}

const FAILURE_TEXT: Record<HandshakeFailure, string> = {
  'wrong-key': 'the far end does not have this mesh key (the TLS-PSK handshake failed)',
  'far-end-open': 'the far end answered without TLS: it runs an open mesh (--open)',
  'far-end-keyed': 'the far end started a TLS handshake: it has a mesh key, and this process runs --open',
  'no-key': 'it spoke without the mesh key (no TLS handshake)',
  closed: 'the connection closed during the mesh-key handshake',
  failed: 'the mesh-key handshake failed',
};

function handshakeError(failure: HandshakeFailure, detail?: string): MeshHandshakeError {
  return new MeshHandshakeError(failure, detail ? `${FAILURE_TEXT[failure]} (${detail})` : FAILURE_TEXT[failure]);
}

/**
 * The dialling side's secure step on a connected socket: keyed, a TLS 1.3 PSK handshake, resolving with the
 * TLSSocket (kept reachable for an identity proof bound to its keying material); open, the socket itself. Rejects
 * with a MeshHandshakeError on an error or a close during the handshake. The caller bounds it with its deadline
 * (destroying the socket ends the wait).
 */
export function secureDialled(socket: Socket, mode: MeshMode): Promise<Duplex> {
  if (!mode.keyed) return Promise.resolve(socket);
  return new Promise((resolve, reject) => {
    const tls = tlsConnect(clientOptions(socket, mode.key));
    const done = (err?: MeshHandshakeError) => {
      tls.off('secureConnect', onSecure);
      tls.off('error', onError);
      tls.off('close', onClose);
      if (err) {
        tls.on('error', () => undefined);
        tls.destroy();
        socket.destroy();
        reject(err);
      } else resolve(tls);
    };
    const onSecure = () => done();
    const onError = (err: Error) => done(handshakeError(dialFailure(err), (err as NodeJS.ErrnoException).code));
    const onClose = () => done(handshakeError('closed'));
    tls.once('secureConnect', onSecure);
    tls.once('error', onError);
    tls.once('close', onClose);
  });
}

/** TLS records open with a content type (22: handshake) and a 3.x version: a ClientHello starts `16 03`. */
function looksLikeTls(chunk: Buffer): boolean {
  return chunk.length >= 2 && chunk[0] === 0x16 && chunk[1] === 0x03;
}

export interface AcceptOptions {
  /**
   * Plain bytes written to a far end that speaks the other mode (a plain frame to an open client, plain bytes that
   * a keyed client's TLS reports as "wrong version number"), so it can say which side is open. They must reveal
   * nothing about the mesh. Default: nothing is written.
   */
  mismatchReply?: Buffer;
}

/**
 * The accepting side's secure step. The dialler always speaks first, so its first bytes are read: keyed, they must
 * open a TLS handshake, which must then complete with the mesh key; open, they must not be TLS. A far end of the
 * other mode gets `mismatchReply` (then the socket is ended); a failure rejects with a MeshHandshakeError and the
 * socket is destroyed. Nothing of the mesh is ever written before the handshake completed. The caller bounds it.
 */
export function secureAccepted(socket: Socket, mode: MeshMode, options: AcceptOptions = {}): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const fail = (err: MeshHandshakeError, reply?: Buffer) => {
      if (reply) {
        socket.end(reply);
        // A far end that never reads must not hold the socket: it is cut shortly after.
        setTimeout(() => socket.destroy(), 1000).unref();
      } else socket.destroy();
      reject(err);
    };
    const onClose = () => {
      socket.off('readable', onReadable);
      fail(handshakeError('closed'));
    };
    const onError = () => undefined; // a close follows
    const onReadable = () => {
      const chunk = socket.read() as Buffer | null;
      if (chunk === null) return socket.once('readable', onReadable); // not yet; the end arrives as a close
      socket.off('close', onClose);
      socket.off('error', onError);
      socket.unshift(chunk);
      const tls = looksLikeTls(chunk);
      if (!mode.keyed) {
        if (tls) return fail(handshakeError('far-end-keyed'), options.mismatchReply);
        return resolve(socket);
      }
      if (!tls) return fail(handshakeError('no-key'), options.mismatchReply);
      // The TLSSocket takes the bytes read so far from the socket's buffer.
      const secured = new TLSSocket(socket, { isServer: true, ...serverOptions(mode.key) });
      const done = (err?: MeshHandshakeError) => {
        secured.off('secure', onSecure);
        secured.off('error', onTlsError);
        secured.off('close', onTlsClose);
        if (!err) return resolve(secured);
        secured.on('error', () => undefined);
        secured.destroy();
        fail(err);
      };
      const onSecure = () => done();
      const onTlsError = (err: Error) => {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        done(handshakeError(/BINDER_DOES_NOT_VERIFY|PSK/.test(code) ? 'wrong-key' : 'failed', code || err.message));
      };
      const onTlsClose = () => done(handshakeError('closed'));
      secured.once('secure', onSecure);
      secured.once('error', onTlsError);
      secured.once('close', onTlsClose);
    };
    socket.once('close', onClose);
    socket.on('error', onError);
    socket.once('readable', onReadable);
  });
}
