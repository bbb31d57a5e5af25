import { readFileSync } from 'node:fs';

export interface TlsFiles {
  /** PEM file paths: the CA bundle that signs the server, and the client certificate and key for mutual TLS. */
  ca?: string;
  cert?: string;
  key?: string;
}

/** Reads the PEM files named in the config (a missing file throws at start-up, with its path). */
export function loadTls(files: TlsFiles): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  const read = (what: string, path: string | undefined) => {
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`sync: cannot read TLS ${what} file ${path}: ${(err as Error).message}`);
    }
  };
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  const ca = read('CA', files.ca);
  const cert = read('certificate', files.cert);
  const key = read('key', files.key);
  if (ca) out.ca = ca;
  if (cert) out.cert = cert;
  if (key) out.key = key;
  return out;
}

/** OpenSSL / Node codes for a server certificate this gateway does not trust. */
const SERVER_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED', 'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE', 'HOSTNAME_MISMATCH',
]);

/**
 * Recognises a TLS certificate failure in a connection error and says which side refused which certificate, so
 * the log line tells an operator what to fix. Undefined for errors that are not about certificates.
 */
export function describeTlsFailure(err: unknown): { refusedBy: 'gateway' | 'server'; reason: string } | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (SERVER_CERT_CODES.has(code)) return { refusedBy: 'gateway', reason: `server certificate not trusted (${code}): ${message}` };
  // The server aborted the handshake with a TLS alert: it did not accept our client certificate (or we sent none).
  if (code === 'ERR_TLS_CLIENT_CERT_REFUSED') return { refusedBy: 'server', reason: `client certificate refused by the server: ${message}` };
  if (/alert (bad certificate|certificate unknown|unknown ca|certificate required|unsupported certificate|certificate expired|certificate revoked|handshake failure)/i.test(message) || /ERR_SSL_TLSV1?3?_ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA|CERTIFICATE_UNKNOWN)/.test(code)) {
    return { refusedBy: 'server', reason: `client certificate refused by the server: ${message || code}` };
  }
  return undefined;
}
