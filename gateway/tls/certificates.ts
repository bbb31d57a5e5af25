import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';

/** PEM paths for one listener: its certificate (chain) and key, and optionally the CA its clients' certificates must chain to. */
export interface TlsFiles {
  cert: string;
  key: string;
  clientCa?: string | undefined;
}

/** What the screen, the log and /metrics say about a certificate. */
export interface CertificateInfo {
  /** Which listener or link uses it: broker, screen, hl7, broker-client-ca, upstream-client, ... */
  use: string;
  path: string;
  subject: string;
  issuer: string;
  notBefore: number;
  notAfter: number;
  /** SHA-256 fingerprint, colon-separated hex (as `openssl x509 -fingerprint -sha256` prints it). */
  fingerprint256: string;
}

export class TlsFileError extends Error {
  override name = 'TlsFileError';
}

/** No SSLv3, TLS 1.0 or 1.1 on any listener: BSI TR-02102-2 and NIST SP 800-52 Rev. 2 (section 3.1) require TLS 1.2 or newer. */
export const MIN_TLS_VERSION = 'TLSv1.2' as const;

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TlsFileError(`cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Reads the first certificate of a PEM file. */
export function certificateInfo(use: string, path: string): CertificateInfo {
  const pem = readPem(path, 'certificate');
  let x: X509Certificate;
  try {
    x = new X509Certificate(pem);
  } catch (err) {
    throw new TlsFileError(`${path} is not a PEM certificate: ${(err as Error).message}`);
  }
  return {
    use,
    path,
    subject: x.subject.replace(/\n/g, ', '),
    issuer: x.issuer.replace(/\n/g, ', '),
    notBefore: Date.parse(x.validFrom),
    notAfter: Date.parse(x.validTo),
    fingerprint256: x.fingerprint256,
  };
}

/**
 * Reads a listener's certificate, key and client CA and checks that they form a usable context (a key that does not
 * match its certificate fails here, with the paths named, not at the first handshake).
 */
export function loadServerTls(files: TlsFiles): SecureContextOptions {
  const options: SecureContextOptions = {
    cert: readPem(files.cert, 'certificate'),
    key: readPem(files.key, 'private key'),
    minVersion: MIN_TLS_VERSION,
  };
  if (files.clientCa) options.ca = readPem(files.clientCa, 'client CA certificate');
  try {
    createSecureContext(options);
  } catch (err) {
    throw new TlsFileError(`certificate ${files.cert} with key ${files.key}: ${(err as Error).message}`);
  }
  return options;
}
